package ec2fake

import (
	"fmt"
	"maps"
	"slices"
	"time"
)

// This file holds what a bake cache hit applies to an existing image: launch
// permissions, snapshot create-volume permissions and deprecation, and the
// snapshots behind images.

// snapshot is the EBS snapshot behind an image's root device.
type snapshot struct {
	ID, Region string
	VolumeSize int
	Encrypted  bool
	// Users and Groups may create volumes from it (createVolumePermission).
	Users, Groups []string
	Tags          map[string]string
}

// rootDevice makes the snapshot of a new image's root device.
func (c *Compute) rootDevice(region string, size int, encrypted bool) BlockDevice {
	c.mu.Lock()
	defer c.mu.Unlock()
	snap := &snapshot{ID: c.newIDLocked("snap"), Region: region, VolumeSize: size, Encrypted: encrypted}
	c.snapshots[snap.ID] = snap
	return BlockDevice{DeviceName: "/dev/xvda", SnapshotID: snap.ID, VolumeSize: size, Encrypted: encrypted}
}

// Snapshots lists the snapshot ids of a region, sorted.
func (c *Compute) Snapshots(region string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for id, s := range c.snapshots {
		if s.Region == region {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// SnapshotPermissions returns who may create volumes from a snapshot.
func (c *Compute) SnapshotPermissions(id string) (users, groups []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.snapshots[id]; ok {
		return slices.Clone(s.Users), slices.Clone(s.Groups)
	}
	return nil, nil
}

// deleteSnapshot deletes a snapshot no registered image uses; EC2 refuses
// one that an image still uses (InvalidSnapshot.InUse).
func (c *Compute) deleteSnapshot(r *Request) (any, error) {
	id := r.Form.Get("SnapshotId")
	for _, img := range c.s.Images(r.Region) {
		for _, d := range img.BlockDevices {
			if d.SnapshotID == id {
				return nil, &APIError{Code: "InvalidSnapshot.InUse", Message: fmt.Sprintf("The snapshot %s is currently in use by %s", id, img.ID)}
			}
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.snapshots[id]; !ok || s.Region != r.Region {
		return nil, snapshotNotFound(id)
	}
	delete(c.snapshots, id)
	return okReply(r), nil
}

// launchPermissionList reads prefix.N.UserId / Group / OrganizationArn /
// OrganizationalUnitArn.
func launchPermissionList(r *Request, prefix string) []LaunchPermission {
	var out []LaunchPermission
	for n := 1; ; n++ {
		p := fmt.Sprintf("%s.%d.", prefix, n)
		lp := LaunchPermission{UserID: r.Form.Get(p + "UserId"), Group: r.Form.Get(p + "Group"),
			OrganizationARN: r.Form.Get(p + "OrganizationArn"), OrganizationalUnitARN: r.Form.Get(p + "OrganizationalUnitArn")}
		if lp == (LaunchPermission{}) {
			return out
		}
		out = append(out, lp)
	}
}

// modifyImageAttribute applies LaunchPermission.Add and .Remove. Adding a
// permission the image already has is not an error and changes nothing, as
// in EC2; adding or removing group "all" makes the image public or private
// (Image.IsPublic).
// Other attributes (description) are accepted and ignored.
func (c *Compute) modifyImageAttribute(r *Request) (any, error) {
	id := r.Form.Get("ImageId")
	add, remove := launchPermissionList(r, "LaunchPermission.Add"), launchPermissionList(r, "LaunchPermission.Remove")
	for _, lp := range add {
		if lp.Group != "" && lp.Group != "all" {
			return nil, &APIError{Code: "InvalidParameterValue", Message: fmt.Sprintf("Invalid value '%s' for group", lp.Group)}
		}
	}
	if _, err := c.ownedImage(r, id); err != nil {
		return nil, err
	}
	if !c.s.UpdateImage(r.Region, id, func(img *Image) {
		for _, lp := range add {
			if !slices.Contains(img.LaunchPermissions, lp) {
				img.LaunchPermissions = append(img.LaunchPermissions, lp)
			}
		}
		img.LaunchPermissions = slices.DeleteFunc(img.LaunchPermissions, func(lp LaunchPermission) bool { return slices.Contains(remove, lp) })
	}) {
		return nil, imageNotFound(id)
	}
	return okReply(r), nil
}

// ownedImage returns the image of the request's region with this id when
// the caller owns it. An image the caller cannot see (VisibleTo) answers
// InvalidAMIID.NotFound, as DescribeImages does for it. One it sees but does
// not own (public, or shared with it) answers AuthFailure "Not authorized for
// image": EC2 answers DescribeImageAttribute on another account's public
// image so, and the fake answers ModifyImageAttribute the same way, since
// only the owner may change who can launch an image.
func (c *Compute) ownedImage(r *Request, id string) (Image, error) {
	for _, img := range c.s.Images(r.Region) {
		switch {
		case img.ID != id:
		case img.OwnerID == r.AccountID:
			return img, nil
		case img.VisibleTo(r.AccountID):
			return Image{}, imageNotAuthorized("Not authorized for image:%s", id)
		default:
			return Image{}, imageNotFound(id)
		}
	}
	return Image{}, imageNotFound(id)
}

type launchPermissionXML struct {
	UserID                string `xml:"userId,omitempty"`
	Group                 string `xml:"group,omitempty"`
	OrganizationARN       string `xml:"organizationArn,omitempty"`
	OrganizationalUnitARN string `xml:"organizationalUnitArn,omitempty"`
}

// describeImageAttribute answers the launchPermission attribute only.
func (c *Compute) describeImageAttribute(r *Request) (any, error) {
	id, attr := r.Form.Get("ImageId"), r.Form.Get("Attribute")
	if attr != "launchPermission" {
		return nil, &APIError{Code: "InvalidParameterValue", Message: fmt.Sprintf("The fake answers only the launchPermission attribute, not %q", attr)}
	}
	img, err := c.ownedImage(r, id)
	if err != nil {
		return nil, err
	}
	resp := listResponse[launchPermissionXML]{Action: r.Action, RequestID: r.RequestID, Subject: &xmlText{"imageId", id}, Set: "launchPermission"}
	for _, lp := range img.LaunchPermissions {
		resp.Items = append(resp.Items, launchPermissionXML(lp))
	}
	return resp, nil
}

// modifySnapshotAttribute applies CreateVolumePermission.Add.N / .Remove.N
// (UserId or Group "all"); adding what is there changes nothing.
func (c *Compute) modifySnapshotAttribute(r *Request) (any, error) {
	id := r.Form.Get("SnapshotId")
	if a := r.Form.Get("Attribute"); a != "" && a != "createVolumePermission" {
		return nil, &APIError{Code: "InvalidParameterValue", Message: fmt.Sprintf("The fake modifies only createVolumePermission, not %q", a)}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.snapshots[id]
	if !ok || s.Region != r.Region {
		return nil, snapshotNotFound(id)
	}
	for _, op := range []string{"Add", "Remove"} {
		for n := 1; ; n++ {
			p := fmt.Sprintf("CreateVolumePermission.%s.%d.", op, n)
			user, group := r.Form.Get(p+"UserId"), r.Form.Get(p+"Group")
			if user == "" && group == "" {
				break
			}
			if group != "" && group != "all" {
				return nil, &APIError{Code: "InvalidParameterValue", Message: fmt.Sprintf("Invalid value '%s' for group", group)}
			}
			s.Users = editSet(s.Users, user, op == "Add")
			s.Groups = editSet(s.Groups, group, op == "Add")
		}
	}
	return okReply(r), nil
}

func editSet(set []string, v string, add bool) []string {
	switch {
	case v == "":
		return set
	case add && !slices.Contains(set, v):
		return append(set, v)
	case !add:
		return slices.DeleteFunc(set, func(x string) bool { return x == v })
	}
	return set
}

type volumePermissionXML struct {
	UserID string `xml:"userId,omitempty"`
	Group  string `xml:"group,omitempty"`
}

func (c *Compute) describeSnapshotAttribute(r *Request) (any, error) {
	id := r.Form.Get("SnapshotId")
	if a := r.Form.Get("Attribute"); a != "createVolumePermission" {
		return nil, &APIError{Code: "InvalidParameterValue", Message: fmt.Sprintf("The fake answers only createVolumePermission, not %q", a)}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.snapshots[id]
	if !ok || s.Region != r.Region {
		return nil, snapshotNotFound(id)
	}
	resp := listResponse[volumePermissionXML]{Action: r.Action, RequestID: r.RequestID, Subject: &xmlText{"snapshotId", id}, Set: "createVolumePermission"}
	for _, u := range s.Users {
		resp.Items = append(resp.Items, volumePermissionXML{UserID: u})
	}
	for _, g := range s.Groups {
		resp.Items = append(resp.Items, volumePermissionXML{Group: g})
	}
	return resp, nil
}

// Deprecation limits, as EC2's API reference gives them for DeprecateAt:
// at most 10 years from now, except for a public AMI, where the limit is 2
// years from its creation date.
const (
	maxDeprecationYears       = 10
	maxPublicDeprecationYears = 2
)

// enableImageDeprecation sets DeprecateAt, rounded to the nearest minute as
// EC2 rounds it. A time in the past or beyond the image's limit (see
// maxDeprecationYears) is refused with InvalidParameterValue: the reference
// names no code of its own for it, and this is the code EC2 gives a value out
// of its range.
func (c *Compute) enableImageDeprecation(r *Request) (any, error) {
	id := r.Form.Get("ImageId")
	at, err := time.Parse(time.RFC3339, r.Form.Get("DeprecateAt"))
	if err != nil {
		return nil, &APIError{Code: "InvalidParameterValue", Message: fmt.Sprintf("Value (%s) for parameter deprecateAt is invalid.", r.Form.Get("DeprecateAt"))}
	}
	at = at.UTC().Round(time.Minute)
	now := time.Now()
	if at.Before(now) {
		return nil, &APIError{Code: "InvalidParameterValue", Message: fmt.Sprintf("The deprecation time %s is in the past.", at.Format(time.RFC3339))}
	}
	var refused error
	if !c.s.UpdateImage(r.Region, id, func(img *Image) {
		if err := checkDeprecationLimit(*img, at, now); err != nil {
			refused = err
			return
		}
		img.DeprecationTime = at
	}) {
		return nil, imageNotFound(id)
	}
	if refused != nil {
		return nil, refused
	}
	return okReply(r), nil
}

// checkDeprecationLimit refuses a deprecation time beyond the image's limit:
// 2 years from creation for a public image, 10 years from now otherwise.
func checkDeprecationLimit(img Image, at, now time.Time) error {
	if img.IsPublic() {
		if limit := img.CreationDate.AddDate(maxPublicDeprecationYears, 0, 0); at.After(limit) {
			return &APIError{Code: "InvalidParameterValue", Message: fmt.Sprintf(
				"The deprecation time %s of public image %s is more than %d years after its creation date (%s).",
				at.Format(time.RFC3339), img.ID, maxPublicDeprecationYears, img.CreationDate.UTC().Format(time.RFC3339))}
		}
		return nil
	}
	if limit := now.AddDate(maxDeprecationYears, 0, 0); at.After(limit) {
		return &APIError{Code: "InvalidParameterValue", Message: fmt.Sprintf(
			"The deprecation time %s is more than %d years from now.", at.Format(time.RFC3339), maxDeprecationYears)}
	}
	return nil
}

// disableImageDeprecation cancels an image's deprecation. As in EC2, an image without one
// answers true all the same.
func (c *Compute) disableImageDeprecation(r *Request) (any, error) {
	id := r.Form.Get("ImageId")
	if !c.s.UpdateImage(r.Region, id, func(img *Image) { img.DeprecationTime = time.Time{} }) {
		return nil, imageNotFound(id)
	}
	return okReply(r), nil
}

type keyPairXML struct {
	KeyPairID      string   `xml:"keyPairId"`
	KeyName        string   `xml:"keyName"`
	KeyFingerprint string   `xml:"keyFingerprint"`
	KeyType        string   `xml:"keyType"`
	CreateTime     string   `xml:"createTime"`
	Tags           []tagXML `xml:"tagSet>item"`
}

var keyPairDescribe = describeAction[*keyPair, keyPairXML]{
	// Names are a second id list; EC2 answers NotFound for one that does
	// not exist in the region.
	IDs: []idParam[*keyPair]{
		{Param: "KeyName", Of: func(kp *keyPair) string { return kp.Name }, NotFound: keyNameNotFound},
		{Param: "KeyPairId", Of: func(kp *keyPair) string { return kp.ID }, NotFound: keyPairIDNotFound},
	},
	Region: func(kp *keyPair) string { return kp.Region },
	Fields: map[string]func(*keyPair) string{
		"key-name":    func(kp *keyPair) string { return kp.Name },
		"key-pair-id": func(kp *keyPair) string { return kp.ID },
	},
	Tags: func(kp *keyPair) map[string]string { return kp.Tags },
	Set:  "keySet",
	Item: func(_ *Request, kp *keyPair) keyPairXML {
		return keyPairXML{KeyPairID: kp.ID, KeyName: kp.Name, KeyFingerprint: kp.Fingerprint,
			KeyType: kp.Type, CreateTime: kp.Created.UTC().Format(creationDateLayout), Tags: tagsXML(kp.Tags)}
	},
}

// describeKeyPairs answers KeyName.N and KeyPairId.N (a name or id that
// does not exist is InvalidKeyPair.NotFound, as in EC2) and the filters
// key-name, key-pair-id, tag:<key> and tag-key.
func (c *Compute) describeKeyPairs(r *Request) (any, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return keyPairDescribe.answer(r, c.keyPairs)
}

// KeyPairTags returns the tags of a key pair by region and name (nil when
// it does not exist).
func (c *Compute) KeyPairTags(region, name string) map[string]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if kp, ok := c.keyPairs[region+"/"+name]; ok {
		return maps.Clone(kp.Tags)
	}
	return nil
}

// AddImage stores an image as Server.AddImage does and, when it has no
// block devices, gives it a root device with a new snapshot, as an image
// an earlier bake made has.
func (c *Compute) AddImage(region string, img Image) Image {
	if len(img.BlockDevices) == 0 {
		img.BlockDevices = []BlockDevice{c.rootDevice(region, 8, false)}
	}
	return c.s.AddImage(region, img)
}

// DeleteImage removes an image and its snapshots, as an operator's
// DeregisterImage and DeleteSnapshot would; it reports whether the image
// existed.
func (c *Compute) DeleteImage(region, id string) bool {
	var snaps []string
	for _, img := range c.s.Images(region) {
		if img.ID == id {
			for _, d := range img.BlockDevices {
				snaps = append(snaps, d.SnapshotID)
			}
		}
	}
	if !c.s.RemoveImage(region, id) {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range snaps {
		delete(c.snapshots, s)
	}
	return true
}
