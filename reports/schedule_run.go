package reports

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"gorm.io/gorm"

	"relance/database"
	"relance/scheduler"
	"relance/tenancy"
)

// Run makes a schedule's file now: the export is written in chunks as it streams, then marked done, and the
// files beyond the schedule's keep are removed. A failed run is kept (failed, with its error) and counts
// towards keep, so that a schedule that keeps failing shows why.
func (e *Exports) Run(ctx context.Context, id, reporting string) (File, error) {
	s, err := e.schedule(ctx, id)
	if err != nil {
		return File{}, err
	}
	var p ExportParams
	if err := json.Unmarshal([]byte(s.Params), &p); err != nil {
		return File{}, fmt.Errorf("reports: run %s: %w", id, err)
	}
	loc, err := time.LoadLocation(s.Timezone)
	if err != nil {
		loc = time.UTC
	}
	now := e.now()
	q, o := p.query(now, loc, reporting)
	name := "spend-" + q.From + "-" + q.To + "." + s.Format
	if p.Kind == KindReport {
		name = "report-" + q.From + "-" + q.To + "." + s.Format
	}
	f := File{ID: tenancy.NewID(), TenantID: e.tenant, ScheduleID: id, Name: name,
		Format: s.Format, Status: FileRunning, CreatedAt: now.UnixMilli()}
	if err := e.db.W.WithContext(ctx).Create(&f).Error; err != nil {
		return f, fmt.Errorf("reports: run %s: %w", id, err)
	}
	cw := &chunkWriter{ctx: ctx, db: e.db, file: f.ID}
	var n int
	var runErr error
	if p.Kind == KindReport {
		rq, _ := p.reportQuery(now, loc, reporting)
		n, runErr = WriteReportExport(ctx, NewEngine(e.db), e.tenant, rq, Options{Format: s.Format, CSV: o}, cw)
	} else {
		n, runErr = WriteSpendExport(ctx, NewLedger(e.db, e.tenant, e.now), q, Options{Format: s.Format, CSV: o}, cw)
	}
	if runErr == nil {
		runErr = cw.flush()
	}
	f.Rows, f.Size, f.Status = int64(n), cw.size, FileDone
	if runErr != nil {
		f.Status, f.Error = FileFailed, runErr.Error()
	}
	// The outcome is recorded even when ctx ended (a shutdown): a file left running would never be listed.
	wctx := context.WithoutCancel(ctx)
	err = e.db.W.WithContext(wctx).Transaction(func(tx *gorm.DB) error {
		if f.Status == FileFailed {
			if err := tx.Where("file_id = ?", f.ID).Delete(&chunk{}).Error; err != nil {
				return err
			}
		}
		if err := tx.Model(&File{}).Where("id = ?", f.ID).Updates(map[string]any{"status": f.Status, "rows": f.Rows,
			"size": f.Size, "error": f.Error}).Error; err != nil {
			return err
		}
		return e.prune(tx, s)
	})
	if err != nil {
		return f, fmt.Errorf("reports: run %s: %w", id, err)
	}
	if runErr != nil {
		return f, fmt.Errorf("reports: run %s: %w", id, runErr)
	}
	return f, nil
}

// prune removes a schedule's files beyond its keep, oldest first (and files left running by a crash more
// than a day ago).
func (e *Exports) prune(tx *gorm.DB, s Schedule) error {
	var ids []string
	if err := tx.Model(&File{}).Where("tenant_id = ? AND schedule_id = ? AND status <> ?", e.tenant, s.ID, FileRunning).
		Order("created_at DESC, id DESC").Offset(s.Keep).Pluck("id", &ids).Error; err != nil {
		return err
	}
	var stale []string
	if err := tx.Model(&File{}).Where("tenant_id = ? AND schedule_id = ? AND status = ? AND created_at < ?", e.tenant, s.ID,
		FileRunning, e.now().Add(-24*time.Hour).UnixMilli()).Pluck("id", &stale).Error; err != nil {
		return err
	}
	ids = append(ids, stale...)
	if len(ids) == 0 {
		return nil
	}
	if err := tx.Where("file_id IN ?", ids).Delete(&chunk{}).Error; err != nil {
		return err
	}
	return tx.Where("id IN ?", ids).Delete(&File{}).Error
}

// Download writes a kept file's bytes to w, a chunk at a time; tenancy.ErrNotFound when the file is not the
// schedule's, the agency's, or done.
func (e *Exports) Download(ctx context.Context, scheduleID, fileID string, w io.Writer) error {
	if _, err := e.File(ctx, scheduleID, fileID); err != nil {
		return err
	}
	for seq := 0; ; seq++ {
		var cs []chunk
		if err := e.db.R.WithContext(ctx).Where("file_id = ? AND seq = ?", fileID, seq).Limit(1).Find(&cs).Error; err != nil {
			return fmt.Errorf("reports: download: %w", err)
		}
		if len(cs) == 0 {
			return nil
		}
		if _, err := w.Write(cs[0].Data); err != nil {
			return fmt.Errorf("reports: download: %w", err)
		}
	}
}

// File reads a kept file's description.
func (e *Exports) File(ctx context.Context, scheduleID, fileID string) (File, error) {
	var fs []File
	if err := e.db.R.WithContext(ctx).Where("tenant_id = ? AND schedule_id = ? AND id = ? AND status = ?", e.tenant, scheduleID, fileID, FileDone).
		Limit(1).Find(&fs).Error; err != nil {
		return File{}, fmt.Errorf("reports: file: %w", err)
	}
	if len(fs) == 0 {
		return File{}, fmt.Errorf("reports: file: %w", tenancy.ErrNotFound)
	}
	return fs[0], nil
}

// chunkWriter stores what is written to it in chunks of chunkSize, each its own insert.
type chunkWriter struct {
	ctx  context.Context
	db   *database.DB
	file string
	buf  []byte
	seq  int
	size int64
}

func (c *chunkWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		k := min(len(p), chunkSize-len(c.buf))
		c.buf = append(c.buf, p[:k]...)
		p = p[k:]
		if len(c.buf) == chunkSize {
			if err := c.flush(); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

// flush stores the buffered bytes as the next chunk.
func (c *chunkWriter) flush() error {
	if len(c.buf) == 0 {
		return nil
	}
	if err := c.db.W.WithContext(c.ctx).Create(&chunk{FileID: c.file, Seq: c.seq, Data: c.buf}).Error; err != nil {
		return fmt.Errorf("reports: store export: %w", err)
	}
	c.seq++
	c.size += int64(len(c.buf))
	c.buf = make([]byte, 0, chunkSize)
	return nil
}

// ScheduleEntries lists every agency's scheduled exports for the scheduler: key tenant/schedule, the cron in
// its zone.
func ScheduleEntries(ctx context.Context, db *database.DB) ([]scheduler.Entry, error) {
	var ss []Schedule
	if err := db.R.WithContext(ctx).Order("id").Find(&ss).Error; err != nil {
		return nil, fmt.Errorf("reports: schedules: %w", err)
	}
	out := make([]scheduler.Entry, 0, len(ss))
	for _, s := range ss {
		out = append(out, scheduler.Entry{Key: s.TenantID + "/" + s.ID, Spec: s.Cron, TZ: s.Timezone, Since: time.UnixMilli(s.CreatedAt)})
	}
	return out, nil
}
