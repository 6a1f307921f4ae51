package lineage

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// TagKey is the image tag that carries the lineage identity.
const TagKey = "spinnaker:lineage"

// tagPrefix versions the identity's encoding: a later change of the definition gets a new prefix
// instead of silently merging or splitting existing lineages.
const tagPrefix = "v1-"

var accountID = regexp.MustCompile(`^[0-9]{12}$`)

// Identity is a lineage: an account, a base_os, an ami_name and a set of package names.
type Identity struct {
	account  string
	baseOS   string
	amiName  string
	packages []string
}

// New normalises and checks a lineage's parts. account is the 12-digit id of the AWS account
// that owns the images; packageNames are the request's package names without versions (at least
// one); amiName may be empty (Rosco then names the image after the first package).
func New(account, baseOS, amiName string, packageNames []string) (Identity, error) {
	id := Identity{
		account: strings.TrimSpace(account),
		baseOS:  strings.TrimSpace(baseOS),
		amiName: strings.TrimSpace(amiName),
	}
	if !accountID.MatchString(id.account) {
		return Identity{}, fmt.Errorf("lineage: account %q: want a 12-digit AWS account id", account)
	}
	if id.baseOS == "" {
		return Identity{}, fmt.Errorf("lineage: base_os is empty")
	}
	seen := map[string]bool{}
	for _, n := range packageNames {
		n = strings.TrimSpace(n)
		if n == "" || seen[n] {
			continue
		}
		seen[n] = true
		id.packages = append(id.packages, n)
	}
	if len(id.packages) == 0 {
		return Identity{}, fmt.Errorf("lineage: no package names in %q", packageNames)
	}
	sort.Strings(id.packages)
	return id, nil
}

// Packages returns the lineage's package names, sorted.
func (id Identity) Packages() []string { return append([]string(nil), id.packages...) }

// canonical is the identity's unambiguous encoding: JSON escapes every separator a value could
// hold, and the field order is fixed by the struct.
func (id Identity) canonical() []byte {
	b, err := json.Marshal(struct {
		Account  string   `json:"account"`
		BaseOS   string   `json:"base_os"`
		AMIName  string   `json:"ami_name"`
		Packages []string `json:"packages"`
	}{id.account, id.baseOS, id.amiName, id.packages})
	if err != nil {
		panic(err) // strings only: cannot fail
	}
	return b
}

// TagValue is the spinnaker:lineage tag value: "v1-" and the SHA-256 of the canonical encoding in
// hex, 67 characters whatever the number and length of the package names, within EC2's
// 256-character limit on tag values.
func (id Identity) TagValue() string {
	sum := sha256.Sum256(id.canonical())
	return tagPrefix + hex.EncodeToString(sum[:])
}

// String describes the lineage for people: it is what the docs and log lines show.
func (id Identity) String() string {
	return fmt.Sprintf("account %s, base_os %q, ami_name %q, packages %s", id.account, id.baseOS, id.amiName, strings.Join(id.packages, " "))
}
