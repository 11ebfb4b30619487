package app

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"relance/fx"
)

// cmdFXImport reads the ECB's reference-rate CSV from FILE ("-" for standard input) into the rates every agency
// converts with. The file may come first or after the flags.
func cmdFXImport(ctx context.Context, args []string, stdin io.Reader, out io.Writer) error {
	fs, path, sets := newFlags("fx import")
	var file string
	if len(args) > 0 && (args[0] == "-" || !strings.HasPrefix(args[0], "-")) {
		file, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: fx import %v", errUsage, err)
	}
	if file == "" && fs.NArg() == 1 {
		file = fs.Arg(0)
	} else if fs.NArg() > 0 {
		return fmt.Errorf("%w: fx import: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if file == "" {
		return fmt.Errorf("%w: fx import needs FILE, the ECB CSV (eurofxref-hist.csv), or - for standard input", errUsage)
	}
	in := stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return fmt.Errorf("fx import: %w", err)
		}
		defer f.Close()
		in = f
	}
	r, err := start(ctx, *path, *sets)
	if err != nil {
		return err
	}
	defer r.close()
	sum, err := fx.NewStore(r.db, nil).ImportECB(ctx, in)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "imported %d rates for %d days (%s to %s) in %d currencies\n", sum.Rates, sum.Days, sum.From, sum.To, len(sum.Currencies))
	if len(sum.Skipped) > 0 {
		fmt.Fprintf(out, "skipped columns relance holds no money in: %s\n", strings.Join(sum.Skipped, ", "))
	}
	return nil
}
