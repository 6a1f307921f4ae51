package ec2fake

import (
	"encoding/base64"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

type imageXML struct {
	ImageID            string   `xml:"imageId"`
	ImageLocation      string   `xml:"imageLocation"`
	ImageState         string   `xml:"imageState"`
	ImageOwnerID       string   `xml:"imageOwnerId"`
	CreationDate       string   `xml:"creationDate"`
	IsPublic           bool     `xml:"isPublic"`
	Architecture       string   `xml:"architecture"`
	ImageType          string   `xml:"imageType"`
	ImageOwnerAlias    string   `xml:"imageOwnerAlias,omitempty"`
	Name               string   `xml:"name"`
	Description        string   `xml:"description,omitempty"`
	RootDeviceType     string   `xml:"rootDeviceType"`
	RootDeviceName     string   `xml:"rootDeviceName"`
	VirtualizationType string   `xml:"virtualizationType"`
	Hypervisor         string   `xml:"hypervisor"`
	Tags               []tagXML `xml:"tagSet>item"`
	BlockDevices       []bdmXML `xml:"blockDeviceMapping>item"`
	DeprecationTime    string   `xml:"deprecationTime,omitempty"`
	DeregProtection    string   `xml:"deregistrationProtection"`
}

type bdmXML struct {
	DeviceName string `xml:"deviceName"`
	EBS        struct {
		SnapshotID          string `xml:"snapshotId,omitempty"`
		VolumeSize          int    `xml:"volumeSize,omitempty"`
		DeleteOnTermination bool   `xml:"deleteOnTermination"`
		VolumeType          string `xml:"volumeType"`
		Encrypted           bool   `xml:"encrypted"`
	} `xml:"ebs"`
}

type tagXML struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

// creationDateLayout is how EC2 writes CreationDate: ISO 8601, milliseconds, UTC.
const creationDateLayout = "2006-01-02T15:04:05.000Z"

var amiIDPattern = regexp.MustCompile(`^ami-[0-9a-f]{8,17}$`)

func describeImages(s *Server, r *Request) (any, error) {
	filters, err := Filters(r.Form)
	if err != nil {
		return nil, err
	}
	for _, f := range filters {
		// EC2 rejects an unknown filter even when no image would be tested.
		if _, err := imageValues(Image{}, f.Name); err != nil {
			return nil, err
		}
	}
	maxResults, err := parseMaxResults(r.Form.Get("MaxResults"))
	if err != nil {
		return nil, err
	}
	scope := imageScope{account: r.AccountID, owners: ListParam(r.Form, "Owner"), executableBy: ListParam(r.Form, "ExecutableBy")}
	ids := ListParam(r.Form, "ImageId")
	for _, id := range ids {
		if !amiIDPattern.MatchString(id) {
			return nil, &APIError{Code: "InvalidAMIID.Malformed", Message: fmt.Sprintf("Invalid id: %q (expecting \"ami-...\")", id)}
		}
	}

	// Another account's private image that is not shared with the caller
	// does not exist as far as the caller can tell: not listed, and
	// NotFound when asked for by id.
	all := slices.DeleteFunc(s.Images(r.Region), func(img Image) bool { return !img.VisibleTo(r.AccountID) })
	for _, id := range ids {
		if !slices.ContainsFunc(all, func(img Image) bool { return img.ID == id }) {
			return nil, imageNotFound(id)
		}
	}
	// Another account's deprecated image is listed only when asked for by id or with
	// IncludeDeprecated; its owner always sees it.
	includeDeprecated := r.Form.Get("IncludeDeprecated") == "true" || len(ids) > 0
	now := time.Now()
	var matched []Image
	for _, img := range all {
		ok, err := imageMatches(img, scope, ids, filters)
		if err != nil {
			return nil, err
		}
		hidden := img.OwnerID != r.AccountID && !includeDeprecated && !img.DeprecationTime.IsZero() && !img.DeprecationTime.After(now)
		if ok && !hidden {
			matched = append(matched, img)
		}
	}

	pageSize := maxResults
	if pageSize == 0 {
		pageSize = s.opts.DefaultPageSize
	}
	start, err := decodeToken(r.Form.Get("NextToken"), len(matched))
	if err != nil {
		return nil, err
	}
	end := len(matched)
	next := ""
	if pageSize > 0 && start+pageSize < len(matched) {
		end = start + pageSize
		next = encodeToken(end)
	}

	resp := listResponse[imageXML]{Action: r.Action, RequestID: r.RequestID, Set: "imagesSet", NextToken: next}
	for _, img := range matched[start:end] {
		resp.Items = append(resp.Items, toImageXML(img))
	}
	return resp, nil
}

func parseMaxResults(v string) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 5 || n > 1000 {
		return 0, &APIError{Code: "InvalidParameterValue", Message: fmt.Sprintf("Value ( %s ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.", v)}
	}
	return n, nil
}

// Tokens carry the offset of the next page. EC2's are opaque; so are these,
// enough that a caller cannot mistake one for a number it may compute.
func encodeToken(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("ec2fake:" + strconv.Itoa(offset)))
}

func decodeToken(token string, total int) (int, error) {
	if token == "" {
		return 0, nil
	}
	invalid := &APIError{Code: "InvalidPaginationToken", Message: fmt.Sprintf("The pagination token %q is invalid.", token)}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return 0, invalid
	}
	rest, ok := strings.CutPrefix(string(raw), "ec2fake:")
	if !ok {
		return 0, invalid
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 0 || n > total {
		return 0, invalid
	}
	return n, nil
}

// imageScope is what narrows DescribeImages besides ids and filters: the
// caller's account, Owner.N and ExecutableBy.N. Each list, when given,
// keeps the images that match any of its values.
type imageScope struct {
	account              string
	owners, executableBy []string
}

func (sc imageScope) includes(img Image) bool {
	if len(sc.owners) > 0 && !slices.ContainsFunc(sc.owners, func(o string) bool { return ownerMatches(img, sc.account, o) }) {
		return false
	}
	return len(sc.executableBy) == 0 || slices.ContainsFunc(sc.executableBy, func(e string) bool { return executableBy(img, sc.account, e) })
}

func imageMatches(img Image, scope imageScope, ids []string, filters []Filter) (bool, error) {
	if !scope.includes(img) {
		return false, nil
	}
	if len(ids) > 0 && !slices.Contains(ids, img.ID) {
		return false, nil
	}
	for _, f := range filters {
		values, err := imageValues(img, f.Name)
		if err != nil {
			return false, err
		}
		if !matchAny(f, values...) {
			return false, nil
		}
	}
	return true, nil
}

func ownerMatches(img Image, account, owner string) bool {
	switch owner {
	case "self":
		return img.OwnerID == account
	case "amazon", "aws-marketplace", "aws-backup-vault":
		return img.OwnerAlias == owner
	default:
		return img.OwnerID == owner
	}
}

// executableBy is ExecutableBy's test: "all" keeps public images, "self"
// or an account id those with an explicit launch permission for that
// account. As EC2 documents it, the grants count, not ownership: the owner's
// implicit permission does not, and neither does a grant to the account's
// organization or OU (which the fake does not model).
func executableBy(img Image, account, user string) bool {
	switch user {
	case "all":
		return img.IsPublic()
	case "self":
		return img.SharedWith(account)
	default:
		return img.SharedWith(user)
	}
}

// imageValues returns the values a filter name selects. A filter matches when
// any of them matches any of its patterns, so an absent tag (no values) never
// matches, and tag-key matches when any of the image's keys does.
func imageValues(img Image, name string) ([]string, error) {
	if key, isTag := strings.CutPrefix(name, "tag:"); isTag {
		if v, ok := img.Tags[key]; ok {
			return []string{v}, nil
		}
		return nil, nil
	}
	switch name {
	case "name":
		return []string{img.Name}, nil
	case "state":
		return []string{img.State}, nil
	case "image-id":
		return []string{img.ID}, nil
	case "owner-id":
		return []string{img.OwnerID}, nil
	case "owner-alias":
		if img.OwnerAlias == "" {
			return nil, nil
		}
		return []string{img.OwnerAlias}, nil
	case "virtualization-type":
		return []string{img.VirtualizationType}, nil
	case "architecture":
		return []string{img.Architecture}, nil
	case "root-device-type":
		return []string{img.RootDeviceType}, nil
	case "description":
		return []string{img.Description}, nil
	case "image-type":
		return []string{"machine"}, nil
	case "is-public":
		return []string{strconv.FormatBool(img.IsPublic())}, nil
	case "creation-date":
		return []string{img.CreationDate.UTC().Format(creationDateLayout)}, nil
	case "tag-key":
		return slices.Sorted(maps.Keys(img.Tags)), nil
	}
	return nil, invalidFilter(name)
}

func toImageXML(img Image) imageXML {
	out := imageXML{
		ImageID:            img.ID,
		ImageLocation:      img.OwnerID + "/" + img.Name,
		ImageState:         img.State,
		ImageOwnerID:       img.OwnerID,
		CreationDate:       img.CreationDate.UTC().Format(creationDateLayout),
		IsPublic:           img.IsPublic(),
		Architecture:       img.Architecture,
		ImageType:          "machine",
		ImageOwnerAlias:    img.OwnerAlias,
		Name:               img.Name,
		Description:        img.Description,
		RootDeviceType:     img.RootDeviceType,
		RootDeviceName:     "/dev/xvda",
		VirtualizationType: img.VirtualizationType,
		Hypervisor:         "xen",
		DeregProtection:    img.DeregistrationProtection.String(),
	}
	for _, k := range slices.Sorted(maps.Keys(img.Tags)) {
		out.Tags = append(out.Tags, tagXML{Key: k, Value: img.Tags[k]})
	}
	for _, d := range img.BlockDevices {
		var x bdmXML
		x.DeviceName = d.DeviceName
		x.EBS.SnapshotID, x.EBS.VolumeSize, x.EBS.Encrypted = d.SnapshotID, d.VolumeSize, d.Encrypted
		x.EBS.DeleteOnTermination, x.EBS.VolumeType = true, "gp3"
		out.BlockDevices = append(out.BlockDevices, x)
	}
	if !img.DeprecationTime.IsZero() {
		out.DeprecationTime = img.DeprecationTime.UTC().Format(creationDateLayout)
	}
	return out
}
