package tenancy

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// AgencySettings are an agency's money settings: the currency its reports convert to and the zone its
// agency-wide figures are read in (DESIGN §5 "Money").
type AgencySettings struct {
	ReportingCurrency string `json:"reporting_currency"`
	TimeZone          string `json:"time_zone"`
}

// AgencySettingsInput changes some settings; nil fields stay as they are.
type AgencySettingsInput struct {
	ReportingCurrency *string `json:"reporting_currency"`
	TimeZone          *string `json:"time_zone"`
}

// AgencySettings reads the agency's settings.
func (t *TenantStore) AgencySettings(ctx context.Context) (AgencySettings, error) {
	var s AgencySettings
	err := t.s.db.R.WithContext(ctx).Table("tenants").Select("reporting_currency, time_zone").
		Where("id = ?", t.tenantID).Take(&s).Error
	return s, translate("agency settings", err)
}

// UpdateAgencySettings validates and stores a change, audited.
func (t *TenantStore) UpdateAgencySettings(ctx context.Context, in AgencySettingsInput) (AgencySettings, error) {
	fe := fieldErrors{}
	set := map[string]any{}
	if in.ReportingCurrency != nil {
		c := strings.ToUpper(strings.TrimSpace(*in.ReportingCurrency))
		if !ValidCurrency(c) {
			fe.add("reporting_currency", "must be an ISO 4217 code such as EUR or USD")
		}
		set["reporting_currency"] = c
	}
	if in.TimeZone != nil {
		z := strings.TrimSpace(*in.TimeZone)
		if !ValidTimezone(z) {
			fe.add("time_zone", "must be an IANA time zone such as Europe/Paris")
		}
		set["time_zone"] = z
	}
	if err := fe.err(); err != nil {
		return AgencySettings{}, err
	}
	if len(set) == 0 {
		return t.AgencySettings(ctx)
	}
	before, err := t.AgencySettings(ctx)
	if err != nil {
		return AgencySettings{}, err
	}
	err = t.change(ctx, func(tx *gorm.DB) (AuditEntry, error) {
		if err := tx.Table("tenants").Where("id = ?", t.tenantID).Updates(set).Error; err != nil {
			return AuditEntry{}, err
		}
		after := before
		if v, ok := set["reporting_currency"].(string); ok {
			after.ReportingCurrency = v
		}
		if v, ok := set["time_zone"].(string); ok {
			after.TimeZone = v
		}
		return AuditEntry{Action: ActionAgencySettings, ObjectType: "tenant", ObjectID: t.tenantID,
			Summary: fmt.Sprintf("reporting currency %s → %s, zone %s → %s", before.ReportingCurrency,
				after.ReportingCurrency, before.TimeZone, after.TimeZone)}, nil
	})
	if err != nil {
		return AgencySettings{}, translate("agency settings", err)
	}
	return t.AgencySettings(ctx)
}
