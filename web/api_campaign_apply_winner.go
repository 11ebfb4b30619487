package web

import (
	"github.com/gofiber/fiber/v2"

	"relance/campaigns"
)

// appliedWinner is what applying a winner answers: the changed campaign and the results it acted on.
type appliedWinner struct {
	Campaign campaigns.Campaign `json:"campaign"`
	Results  campaigns.Results  `json:"results"`
}

// apiCampaignApplyWinner answers POST /api/v1/brands/:brand/campaigns/:campaign/results/apply-winner
// {weight}: the winner gets weight % of the future sends (default 100), a content change under the lifecycle
// rules; 409 while no variant wins.
func (s *Server) apiCampaignApplyWinner(c *fiber.Ctx) error {
	var in campaigns.WinnerInput
	if len(c.Body()) > 0 {
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
	}
	cp, res, err := s.campaignStore(c).ApplyWinner(c.UserContext(), c.Params("campaign"), in)
	if err != nil {
		return err
	}
	return c.JSON(appliedWinner{Campaign: s.showCampaign(c, cp.BrandID, cp), Results: res})
}
