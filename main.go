// Command relance runs the relance web application; see app.Main for its commands.
package main

import (
	"os"
	// Brands' schedules and screens use IANA zones: embed them so a host without zoneinfo still runs relance.
	_ "time/tzdata"

	"relance/app"
)

func main() {
	os.Exit(app.Main(os.Args))
}
