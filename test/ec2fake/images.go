package ec2fake

import (
	"fmt"
	"maps"
	"slices"
	"time"
)

// Image is a machine image as the fake stores it. Zero fields get EC2-like
// defaults when the image is added (see AddImage).
type Image struct {
	ID                 string            `json:"id,omitempty"`
	Name               string            `json:"name"`
	Description        string            `json:"description,omitempty"`
	OwnerID            string            `json:"owner_id,omitempty"`
	OwnerAlias         string            `json:"owner_alias,omitempty"`
	State              string            `json:"state,omitempty"`
	CreationDate       time.Time         `json:"creation_date"`
	VirtualizationType string            `json:"virtualization_type,omitempty"`
	Architecture       string            `json:"architecture,omitempty"`
	RootDeviceType     string            `json:"root_device_type,omitempty"`
	Tags               map[string]string `json:"tags,omitempty"`
	// BlockDevices are the image's EBS mappings; images the fake makes
	// (CreateImage, CopyImage) get a root device with a new snapshot.
	BlockDevices []BlockDevice `json:"block_devices,omitempty"`
	// LaunchPermissions are who besides the owner may launch the image.
	// Group "all" is what makes it public (see IsPublic): seed a public
	// image with [{"group": "all"}].
	LaunchPermissions []LaunchPermission `json:"launch_permissions,omitempty"`
	// DeprecationTime is when the image is deprecated (zero: never).
	DeprecationTime time.Time `json:"deprecation_time,omitzero"`
	// DeregistrationProtection refuses DeregisterImage while it holds
	// (compute_protection.go).
	DeregistrationProtection DeregistrationProtection `json:"deregistration_protection,omitzero"`
}

// BlockDevice is one EBS block device mapping of an image.
type BlockDevice struct {
	DeviceName string `json:"device_name"`
	SnapshotID string `json:"snapshot_id,omitempty"`
	VolumeSize int    `json:"volume_size,omitempty"`
	Encrypted  bool   `json:"encrypted,omitempty"`
}

// LaunchPermission is one grant of ModifyImageAttribute's LaunchPermission:
// exactly one field is set.
type LaunchPermission struct {
	UserID                string `json:"user_id,omitempty"`
	Group                 string `json:"group,omitempty"`
	OrganizationARN       string `json:"organization_arn,omitempty"`
	OrganizationalUnitARN string `json:"organizational_unit_arn,omitempty"`
}

// IsPublic reports whether the image is public. As in EC2 this is launch
// permission group "all" and nothing else, so DescribeImages' isPublic, the
// is-public filter, DescribeImageAttribute and the public deprecation limit
// always agree, however the image got the grant (seed or ModifyImageAttribute).
func (img Image) IsPublic() bool {
	return slices.Contains(img.LaunchPermissions, LaunchPermission{Group: "all"})
}

// VisibleTo reports whether an account sees the image, as EC2 decides it
// for DescribeImages: its owner does, everyone does when it is public, and
// so does an account a launch permission names. Organization and OU grants
// reach no caller: the fake does not model which organization an account
// is in.
func (img Image) VisibleTo(account string) bool {
	return img.OwnerID == account || img.IsPublic() || img.SharedWith(account)
}

// SharedWith reports whether a launch permission names the account itself
// (an explicit grant; group "all" is not one).
func (img Image) SharedWith(account string) bool {
	return slices.Contains(img.LaunchPermissions, LaunchPermission{UserID: account})
}

func (img Image) clone() Image {
	img.Tags = maps.Clone(img.Tags)
	img.BlockDevices = slices.Clone(img.BlockDevices)
	img.LaunchPermissions = slices.Clone(img.LaunchPermissions)
	return img
}

// AddImage stores an image in a region and returns it with its defaults
// filled in: an id, the server's account as owner, state "available", the
// current time as creation date, "hvm", "x86_64" and "ebs".
func (s *Server) AddImage(region string, img Image) Image {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addImageLocked(region, img)
}

func (s *Server) addImageLocked(region string, img Image) Image {
	img = img.clone()
	if img.ID == "" {
		s.nextID++
		img.ID = fmt.Sprintf("ami-%017x", s.nextID)
	}
	if img.OwnerID == "" {
		img.OwnerID = s.opts.AccountID
	}
	if img.State == "" {
		img.State = "available"
	}
	if img.CreationDate.IsZero() {
		img.CreationDate = time.Now().UTC()
	}
	if img.VirtualizationType == "" {
		img.VirtualizationType = "hvm"
	}
	if img.Architecture == "" {
		img.Architecture = "x86_64"
	}
	if img.RootDeviceType == "" {
		img.RootDeviceType = "ebs"
	}
	s.images[region] = append(s.images[region], img)
	return img.clone()
}

// Images returns a copy of the images of a region, in insertion order.
func (s *Server) Images(region string) []Image {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Image, len(s.images[region]))
	for i, img := range s.images[region] {
		out[i] = img.clone()
	}
	return out
}

// RemoveImage deletes an image from a region; it reports whether it existed.
func (s *Server) RemoveImage(region, id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	imgs := s.images[region]
	for i, img := range imgs {
		if img.ID == id {
			s.images[region] = append(imgs[:i:i], imgs[i+1:]...)
			return true
		}
	}
	return false
}

// UpdateImage applies fn to the stored image; it reports whether it existed.
func (s *Server) UpdateImage(region, id string, fn func(*Image)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.images[region] {
		if s.images[region][i].ID == id {
			fn(&s.images[region][i])
			return true
		}
	}
	return false
}
