// Command relance runs the relance web application; see app.Main for its commands.
package main

import (
	"os"

	"relance/app"
)

func main() {
	os.Exit(app.Main(os.Args))
}
