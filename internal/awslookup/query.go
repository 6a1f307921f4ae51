package awslookup

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// Lookup modes, the values of the datasource's `lookup` option. Modes lists them and CheckMode
// checks one: this package owns the list.
const (
	// ModeKey finds images whose KeyTag holds Value (the strict key); its callers add the image
	// spec in Tags, so that the images found are the ones spinnaker-ebs reuses.
	ModeKey = "key"
	// ModeKeyOnly finds images whose KeyTag holds Value, as ModeKey does; its callers add no
	// image spec: it finds images tagged with the key alone, by a plain amazon-ebs template or
	// before the spec existed.
	ModeKeyOnly = "key_only"
	// ModeRoscoKey finds images whose KeyTag holds RoscoKeyTagValue(Value).
	ModeRoscoKey = "rosco_key"
	// ModeImageName finds images named exactly Value (images Rosco baked carry no key).
	ModeImageName = "image_name"
	// ModeNone looks nothing up: every region is missing.
	ModeNone = "none"
)

// Modes returns the lookup modes, in the order errors list them.
func Modes() []string {
	return []string{ModeKey, ModeKeyOnly, ModeRoscoKey, ModeImageName, ModeNone}
}

// CheckMode returns an error naming mode and the valid modes unless mode is one of them.
func CheckMode(mode string) error {
	modes := Modes()
	if slices.Contains(modes, mode) {
		return nil
	}
	last := len(modes) - 1
	return fmt.Errorf("unknown value %q: use %s or %s", mode, strings.Join(modes[:last], ", "), modes[last])
}

// DefaultKeyTag is the tag that carries the bake key.
const DefaultKeyTag = "spinnaker:bake-key"

// maxTagValueLength is EC2's limit on a tag value, in characters.
const maxTagValueLength = 256

// Query says what to look for.
type Query struct {
	Mode   string
	KeyTag string
	// Value is the strict key, Rosco's key (unhashed) or the image name.
	Value string
	// RegionValues, when set, gives each region its own Value. Rosco's key
	// contains the region, so rosco_key lookups differ per region.
	RegionValues map[string]string
	// Owners restricts the images to these owners ("self", account ids,
	// "amazon"). Required: without it EC2 also returns public images that
	// anyone could have tagged with a matching key.
	Owners []string
	// PageSize is sent as MaxResults; 0 lets EC2 choose.
	PageSize int32
	// Tags are further tags a found image must carry with these values,
	// such as the spinnaker-ebs builder's image spec digest.
	Tags map[string]string
}

// RoscoKeyTagValue is what the rosco_key mode stores in the key tag: the
// lowercase hex SHA-256 of Rosco's bake key (UTF-8). Rosco's key holds the
// package list and often exceeds the 256 characters a tag value may have;
// its hash always fits (64 characters) and changes whenever the key does.
func RoscoKeyTagValue(roscoKey string) string {
	sum := sha256.Sum256([]byte(roscoKey))
	return hex.EncodeToString(sum[:])
}

// Validate checks the query; errors name the option and the value.
func (q Query) Validate() error {
	if q.Mode == ModeNone {
		return nil
	}
	if q.RegionValues == nil {
		return q.validateValue(q.Value)
	}
	regions := slices.Sorted(maps.Keys(q.RegionValues))
	for _, region := range regions {
		if err := q.validateValue(q.RegionValues[region]); err != nil {
			return fmt.Errorf("%s: %w", region, err)
		}
	}
	return nil
}

// forRegion returns the query with the region's value.
func (q Query) forRegion(region string) (Query, error) {
	if q.RegionValues == nil {
		return q, nil
	}
	v, ok := q.RegionValues[region]
	if !ok {
		return Query{}, fmt.Errorf("%s: no lookup value for this region", region)
	}
	q.Value, q.RegionValues = v, nil
	return q, nil
}

func (q Query) validateValue(value string) error {
	q.Value = value
	switch q.Mode {
	case ModeKey, ModeKeyOnly, ModeRoscoKey:
		if q.KeyTag == "" {
			return errors.New("key_tag must not be empty")
		}
		if q.Value == "" {
			return fmt.Errorf("lookup %q needs a key, and the key is empty", q.Mode)
		}
		if q.Mode != ModeRoscoKey && len([]rune(q.Value)) > maxTagValueLength {
			return fmt.Errorf("lookup %q: key is %d characters, more than the %d an EC2 tag value may hold; use lookup \"rosco_key\", which tags its SHA-256",
				q.Mode, len([]rune(q.Value)), maxTagValueLength)
		}
	case ModeImageName:
		if q.Value == "" {
			return errors.New(`lookup "image_name" needs an image name, and the name is empty`)
		}
	default:
		return fmt.Errorf("lookup: %w", CheckMode(q.Mode))
	}
	if len(q.Owners) == 0 {
		return errors.New("owners must not be empty: without owners EC2 also returns public images")
	}
	return nil
}

// filters returns the server-side filters of the query.
func (q Query) filters() []types.Filter {
	var f types.Filter
	switch q.Mode {
	case ModeKey, ModeKeyOnly:
		f = types.Filter{Name: aws.String("tag:" + q.KeyTag), Values: []string{q.Value}}
	case ModeRoscoKey:
		f = types.Filter{Name: aws.String("tag:" + q.KeyTag), Values: []string{RoscoKeyTagValue(q.Value)}}
	case ModeImageName:
		f = types.Filter{Name: aws.String("name"), Values: []string{q.Value}}
	}
	out := []types.Filter{f, {Name: aws.String("state"), Values: []string{"available"}}}
	for _, k := range slices.Sorted(maps.Keys(q.Tags)) {
		out = append(out, types.Filter{Name: aws.String("tag:" + k), Values: []string{q.Tags[k]}})
	}
	return out
}
