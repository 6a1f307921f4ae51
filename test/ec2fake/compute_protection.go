package ec2fake

import (
	"encoding/xml"
	"fmt"
	"maps"
	"time"
)

// This file holds what amazon-ebs's deregistration_protection and
// snapshot_tags reach in EC2 beyond images themselves: deregistration
// protection (EnableImageDeregistrationProtection,
// DisableImageDeregistrationProtection, the refusal of DeregisterImage) and
// DescribeSnapshots, which reads a snapshot's tags back.

// handleProtection registers this file's actions.
func (c *Compute) handleProtection() {
	for action, h := range map[string]func(*Request) (any, error){
		"EnableImageDeregistrationProtection":  c.enableImageDeregistrationProtection,
		"DisableImageDeregistrationProtection": c.disableImageDeregistrationProtection,
		"DescribeSnapshots":                    c.describeSnapshots,
	} {
		c.s.Handle(action, func(_ *Server, r *Request) (any, error) { return h(r) })
	}
}

// protectionCooldown is how long protection enabled with WithCooldown stays
// in effect after it is disabled (EC2: 24 hours).
const protectionCooldown = 24 * time.Hour

// DeregistrationProtection is an image's deregistration protection. The zero
// value is EC2's default for every image: disabled.
type DeregistrationProtection struct {
	Enabled bool `json:"enabled,omitempty"`
	// WithCooldown keeps the image protected for 24 hours after the
	// protection is disabled.
	WithCooldown bool `json:"with_cooldown,omitempty"`
	// DisabledAfter is when protection disabled during its cooldown ends
	// (zero: no cooldown running).
	DisabledAfter time.Time `json:"disabled_after,omitzero"`
}

// String is the image's DeregistrationProtection as DescribeImages shows it.
func (p DeregistrationProtection) String() string {
	switch {
	case p.Enabled && p.WithCooldown:
		return "enabled-with-cooldown"
	case p.Enabled:
		return "enabled-without-cooldown"
	case !p.DisabledAfter.IsZero() && time.Now().Before(p.DisabledAfter):
		return "disabled-after " + p.DisabledAfter.UTC().Format(creationDateLayout)
	}
	return "disabled"
}

// blocks reports whether the protection refuses DeregisterImage now.
func (p DeregistrationProtection) blocks(now time.Time) bool {
	return p.Enabled || (!p.DisabledAfter.IsZero() && now.Before(p.DisabledAfter))
}

type protectionResponse struct {
	XMLName   xml.Name
	Xmlns     string `xml:"xmlns,attr"`
	RequestID string `xml:"requestId"`
	Return    string `xml:"return"`
}

// protectionAnswer is what both actions answer on success: EC2's reference
// gives their return element as "true if the request succeeds", not the new
// state; DescribeImages' DeregistrationProtection is where the state is read.
func protectionAnswer(r *Request) protectionResponse {
	return protectionResponse{XMLName: xml.Name{Local: r.Action + "Response"}, Xmlns: xmlns, RequestID: r.RequestID, Return: "true"}
}

// enableImageDeregistrationProtection turns protection on, with the cooldown
// when WithCooldown is true. Enabling again sets the cooldown as asked and
// ends a running one.
func (c *Compute) enableImageDeregistrationProtection(r *Request) (any, error) {
	id := r.Form.Get("ImageId")
	if !c.s.UpdateImage(r.Region, id, func(img *Image) {
		img.DeregistrationProtection = DeregistrationProtection{Enabled: true, WithCooldown: r.Form.Get("WithCooldown") == "true"}
	}) {
		return nil, imageNotFound(id)
	}
	return protectionAnswer(r), nil
}

// disableImageDeregistrationProtection turns protection off. Protection
// enabled with the cooldown keeps refusing DeregisterImage for 24 hours
// (DescribeImages: "disabled-after <time>").
func (c *Compute) disableImageDeregistrationProtection(r *Request) (any, error) {
	id := r.Form.Get("ImageId")
	if !c.s.UpdateImage(r.Region, id, func(img *Image) {
		p := &img.DeregistrationProtection
		if p.Enabled && p.WithCooldown {
			p.DisabledAfter = time.Now().Add(protectionCooldown)
		}
		p.Enabled, p.WithCooldown = false, false
	}) {
		return nil, imageNotFound(id)
	}
	return protectionAnswer(r), nil
}

// removeImageUnless removes an image unless refuse, called under the same
// lock, returns an error: the check and the removal are one step.
func (s *Server) removeImageUnless(region, id string, refuse func(Image) error) (found bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	imgs := s.images[region]
	for i, img := range imgs {
		if img.ID != id {
			continue
		}
		if err := refuse(img); err != nil {
			return true, err
		}
		s.images[region] = append(imgs[:i:i], imgs[i+1:]...)
		return true, nil
	}
	return false, nil
}

// refuseProtected is DeregisterImage's answer for a protected image. EC2's
// reference (DeregisterImage and the error code list) documents no code for
// it, so OperationNotPermitted is the fake's assumption, borrowed from EC2's
// code for an operation the resource's own setting forbids (an instance's
// termination protection). Callers must not depend on it: the plugin reads
// DescribeImages' DeregistrationProtection before it deregisters.
func refuseProtected(img Image) error {
	if !img.DeregistrationProtection.blocks(time.Now()) {
		return nil
	}
	return &APIError{Code: "OperationNotPermitted", Message: fmt.Sprintf(
		"The image %s cannot be deregistered: its deregistration protection is %s.", img.ID, img.DeregistrationProtection)}
}

type snapshotXML struct {
	SnapshotID  string   `xml:"snapshotId"`
	VolumeID    string   `xml:"volumeId"`
	Status      string   `xml:"status"`
	StartTime   string   `xml:"startTime"`
	Progress    string   `xml:"progress"`
	OwnerID     string   `xml:"ownerId"`
	VolumeSize  int      `xml:"volumeSize"`
	Encrypted   bool     `xml:"encrypted"`
	StorageTier string   `xml:"storageTier"`
	Tags        []tagXML `xml:"tagSet>item"`
}

var snapshotDescribe = describeAction[*snapshot, snapshotXML]{
	IDs:    []idParam[*snapshot]{{Param: "SnapshotId", Of: func(s *snapshot) string { return s.ID }, NotFound: snapshotNotFound}},
	Region: func(s *snapshot) string { return s.Region },
	Fields: map[string]func(*snapshot) string{
		"snapshot-id": func(s *snapshot) string { return s.ID },
		"status":      func(*snapshot) string { return "completed" },
		"encrypted":   func(s *snapshot) string { return fmt.Sprint(s.Encrypted) },
	},
	Tags: func(s *snapshot) map[string]string { return s.Tags },
	Set:  "snapshotSet",
	Item: func(r *Request, s *snapshot) snapshotXML {
		return snapshotXML{
			SnapshotID: s.ID, VolumeID: "vol-ffffffff", Status: "completed", StartTime: time.Unix(0, 0).UTC().Format(creationDateLayout),
			Progress: "100%", OwnerID: r.AccountID, VolumeSize: s.VolumeSize, Encrypted: s.Encrypted, StorageTier: "standard",
			Tags: tagsXML(s.Tags),
		}
	},
}

// describeSnapshots answers SnapshotId.N (one that does not exist in the
// region is InvalidSnapshot.NotFound), Owner.N "self" or the account, and the
// filters snapshot-id, status, encrypted, tag:<key> and tag-key. Every
// snapshot is the account's and "completed". It does not paginate:
// MaxResults and NextToken are refused rather than ignored.
func (c *Compute) describeSnapshots(r *Request) (any, error) {
	if r.Form.Get("MaxResults") != "" || r.Form.Get("NextToken") != "" {
		return nil, &APIError{Code: "InvalidParameterValue", Message: "The fake does not paginate DescribeSnapshots (MaxResults, NextToken)"}
	}
	for _, o := range ListParam(r.Form, "Owner") {
		if o != "self" && o != r.AccountID {
			// Only the account's own snapshots exist here.
			return listResponse[snapshotXML]{Action: r.Action, RequestID: r.RequestID, Set: snapshotDescribe.Set}, nil
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return snapshotDescribe.answer(r, c.snapshots)
}

// SnapshotTags returns a snapshot's tags (nil when it does not exist).
func (c *Compute) SnapshotTags(id string) map[string]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.snapshots[id]; ok {
		return maps.Clone(s.Tags)
	}
	return nil
}
