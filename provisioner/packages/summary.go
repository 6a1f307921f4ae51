package packages

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"
)

// printSummary ends the bake with the installed versions and unit states.
func (b *bake) printSummary() {
	var sb strings.Builder
	w := tabwriter.NewWriter(&sb, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "summary (%.1fs):\n", time.Since(b.start).Seconds())
	if len(b.req.Packages) > 0 {
		fmt.Fprintln(w, "  PACKAGE\tREQUESTED\tINSTALLED")
		for _, p := range b.req.Packages {
			want := p.Version
			if want == "" {
				want = "(any)"
			}
			got := "(not installed)"
			if ip, ok := b.installed[p.Name]; ok && ip.Installed {
				got = ip.Version
			}
			fmt.Fprintf(w, "  %s\t%s\t%s\n", p.Name, want, got)
		}
	}
	if len(b.req.Units) > 0 {
		fmt.Fprintln(w, "  UNIT\tENABLED\tACTIVE")
		for _, u := range b.req.Units {
			s := b.units[u]
			fmt.Fprintf(w, "  %s\t%s\t%s\n", u, s.Enabled, s.Active)
		}
	}
	_ = w.Flush()
	for _, line := range strings.Split(strings.TrimRight(sb.String(), "\n"), "\n") {
		b.ui.Say(line)
	}
}
