package packages

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"
)

// summaryLines end the bake with the installed versions and unit states.
func summaryLines(r *request, installed installedSet, units map[string]unitState, elapsed time.Duration) []string {
	var sb strings.Builder
	w := tabwriter.NewWriter(&sb, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "summary (%.1fs):\n", elapsed.Seconds())
	if len(r.Packages) > 0 {
		fmt.Fprintln(w, "  PACKAGE\tREQUESTED\tINSTALLED")
		for _, p := range r.Packages {
			want := p.Version
			if want == "" {
				want = "(any)"
			}
			got := "(not installed)"
			if ip, ok := installed.find(r.Type, p); ok && ip.Installed {
				got = ip.Version
			}
			fmt.Fprintf(w, "  %s\t%s\t%s\n", p.Name, want, got)
		}
	}
	if len(r.Units) > 0 {
		fmt.Fprintln(w, "  UNIT\tENABLED\tACTIVE")
		for _, u := range r.Units {
			s := units[u]
			fmt.Fprintf(w, "  %s\t%s\t%s\n", u, s.Enabled, s.Active)
		}
	}
	_ = w.Flush()
	return strings.Split(strings.TrimRight(sb.String(), "\n"), "\n")
}
