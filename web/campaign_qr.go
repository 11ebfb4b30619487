package web

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
	qr "github.com/piglig/go-qr"

	"relance/campaigns"
)

// QR codes of a campaign's entry points. Medium error correction keeps a printed flyer readable when it is
// creased or smudged; 8 pixels a module and the standard 4-module quiet zone make a PNG large enough to print
// at flyer size, while the SVG scales freely.
const (
	qrScale  = 8
	qrBorder = 4
)

// linkView is a link as the API and the campaign page show it: the m.me URL and where its QR codes are.
type linkView struct {
	campaigns.Link
	QRPNG string `json:"qr_png"`
	QRSVG string `json:"qr_svg"`
}

// linkViews adds the QR code addresses under prefix (the API's or the UI's campaign path).
func linkViews(links []campaigns.Link, prefix string) []linkView {
	out := make([]linkView, len(links))
	for i, l := range links {
		out[i] = linkView{Link: l, QRPNG: qrPath(prefix, l, "png"), QRSVG: qrPath(prefix, l, "svg")}
	}
	return out
}

func qrPath(prefix string, l campaigns.Link, ext string) string {
	return prefix + "/links/" + url.PathEscape(l.Key) + "/qr." + ext
}

// linkKey is the :label path parameter, unescaped: labels may hold spaces and other characters a path
// escapes.
func linkKey(c *fiber.Ctx) (string, error) {
	k, err := url.PathUnescape(c.Params("label"))
	if err != nil {
		return "", campaigns.ErrLinkNotFound
	}
	return k, nil
}

// serveQR answers a link's QR code as a PNG or an SVG download named after the campaign's ref and label.
func (s *Server) serveQR(ext string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		key, err := linkKey(c)
		if err != nil {
			return err
		}
		l, err := s.campaignStore(c).Link(c.UserContext(), c.Params("campaign"), key)
		if err != nil {
			return err
		}
		code, err := qr.EncodeText(l.URL, qr.Medium)
		if err != nil {
			return fmt.Errorf("web: qr code of %s: %w", l.Ref, err)
		}
		var body []byte
		switch ext {
		case "png":
			body, err = code.ToPNGBytes(qr.NewQrCodeImgConfig(qrScale, qrBorder))
			c.Set(fiber.HeaderContentType, "image/png")
		default:
			body, err = code.ToSVGBytes(qr.NewQrCodeImgConfig(qrScale, qrBorder, qr.WithSVGXMLHeader()))
			c.Set(fiber.HeaderContentType, "image/svg+xml")
		}
		if err != nil {
			return fmt.Errorf("web: qr %s of %s: %w", ext, l.Ref, err)
		}
		// The campaign page shows the image inline; ?download=1 (its download links, or curl -OJ) saves it
		// under a name that says which link it is.
		disp := "inline"
		if c.Query("download") != "" {
			disp = "attachment"
		}
		c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`%s; filename="%s"`, disp, qrFilename(l, ext)))
		c.Set(fiber.HeaderCacheControl, "private, no-cache")
		return c.Send(body)
	}
}

// qrFilename is "qr-<ref>.<ext>" with the ref's characters that file systems dislike replaced.
func qrFilename(l campaigns.Link, ext string) string {
	name := strings.Map(func(r rune) rune {
		if strings.ContainsRune(`/\:+=`, r) {
			return '_'
		}
		return r
	}, l.Ref)
	return "qr-" + name + "." + ext
}
