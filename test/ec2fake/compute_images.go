package ec2fake

import (
	"encoding/xml"
	"fmt"
	"maps"
	"slices"
	"strings"
)

type imageIDResponse struct {
	XMLName   xml.Name
	Xmlns     string `xml:"xmlns,attr"`
	RequestID string `xml:"requestId"`
	ImageID   string `xml:"imageId"`
}

// createImage registers an image of a running or stopped instance. It is
// "pending" for ImagePendingFor, then "available" (or "failed", see
// FailNextImage). Tags for resource type "image" apply at once.
func (c *Compute) createImage(r *Request) (any, error) {
	id, name := r.Form.Get("InstanceId"), r.Form.Get("Name")
	if name == "" {
		return nil, &APIError{Code: "MissingParameter", Message: "The request must contain the parameter name"}
	}
	c.mu.Lock()
	in, ok := c.instances[id]
	state := ""
	if ok && in.Region == r.Region {
		state = in.State
	}
	c.mu.Unlock()
	switch state {
	case "":
		return nil, instanceNotFound(id)
	case stateRunning, stateStopped:
	default:
		return nil, &APIError{Code: "InvalidParameterValue", Message: fmt.Sprintf("Instance '%s' is not in state 'running' or 'stopped'", id)}
	}
	img, err := c.newImage(r, Image{Name: name, Description: r.Form.Get("Description"), Tags: tagsFromSpecs(r.Form)["image"]}, false)
	if err != nil {
		return nil, err
	}
	return imageIDResponse{XMLName: xml.Name{Local: "CreateImageResponse"}, Xmlns: xmlns, RequestID: r.RequestID, ImageID: img.ID}, nil
}

// copyImage copies an available image from SourceRegion into the region
// of the request, with its tags when CopyImageTags is true.
func (c *Compute) copyImage(r *Request) (any, error) {
	from, srcID, name := r.Form.Get("SourceRegion"), r.Form.Get("SourceImageId"), r.Form.Get("Name")
	if from == "" || srcID == "" || name == "" {
		return nil, &APIError{Code: "MissingParameter", Message: "The request must contain the parameters SourceRegion, SourceImageId and Name"}
	}
	var src *Image
	for _, img := range c.s.Images(from) {
		if img.ID == srcID {
			src = &img
		}
	}
	if src == nil {
		return nil, imageNotFound(srcID)
	}
	if src.State != "available" {
		return nil, &APIError{Code: "IncorrectState", Message: fmt.Sprintf("Image '%s' is not in the 'available' state", srcID)}
	}
	encrypted := r.Form.Get("Encrypted") == "true" || slices.ContainsFunc(src.BlockDevices, func(d BlockDevice) bool { return d.Encrypted })
	img := Image{Name: name, Description: r.Form.Get("Description"), Architecture: src.Architecture, VirtualizationType: src.VirtualizationType}
	if r.Form.Get("CopyImageTags") == "true" {
		img.Tags = maps.Clone(src.Tags)
	}
	created, err := c.newImage(r, img, encrypted)
	if err != nil {
		return nil, err
	}
	return imageIDResponse{XMLName: xml.Name{Local: "CopyImageResponse"}, Xmlns: xmlns, RequestID: r.RequestID, ImageID: created.ID}, nil
}

// newImage adds a pending image with a new root snapshot to the request's
// region and schedules its end state. The name check, the snapshot and the
// image are one step: a create EC2 refuses (InvalidAMIName.Duplicate)
// leaves nothing behind, and of two concurrent creates of one name exactly
// one succeeds.
func (c *Compute) newImage(r *Request, img Image, encrypted bool) (Image, error) {
	c.imageNames.Lock()
	for _, other := range c.s.Images(r.Region) {
		if other.Name == img.Name && other.OwnerID == r.AccountID {
			c.imageNames.Unlock()
			return Image{}, &APIError{Code: "InvalidAMIName.Duplicate", Message: fmt.Sprintf("AMI name %s is already in use by AMI %s", img.Name, other.ID)}
		}
	}
	img.State = "pending"
	img.OwnerID = r.AccountID
	img.BlockDevices = []BlockDevice{c.rootDevice(r.Region, 8, encrypted)}
	created := c.s.AddImage(r.Region, img)
	c.imageNames.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	final := "available"
	if c.failNext[r.Region] > 0 {
		c.failNext[r.Region]--
		final = "failed"
	}
	c.afterLocked(c.opts.ImagePendingFor, func() {
		c.s.UpdateImage(r.Region, created.ID, func(i *Image) {
			if i.State == "pending" {
				i.State = final
			}
		})
	})
	return created, nil
}

func (c *Compute) deregisterImage(r *Request) (any, error) {
	id := r.Form.Get("ImageId")
	found, err := c.s.removeImageUnless(r.Region, id, refuseProtected)
	if !found {
		return nil, imageNotFound(id)
	}
	if err != nil {
		return nil, err
	}
	return okReply(r), nil
}

// createTags sets tags on images, instances and security groups of the
// request's region. Every resource is checked before any is changed.
func (c *Compute) createTags(r *Request) (any, error) {
	ids := ListParam(r.Form, "ResourceId")
	tags := tagList(r.Form, "Tag")
	for _, id := range ids {
		if err := c.checkResource(r.Region, id); err != nil {
			return nil, err
		}
	}
	for _, id := range ids {
		switch {
		case strings.HasPrefix(id, "ami-"):
			c.s.UpdateImage(r.Region, id, func(i *Image) {
				if i.Tags == nil {
					i.Tags = map[string]string{}
				}
				maps.Copy(i.Tags, tags)
			})
		case strings.HasPrefix(id, "i-"):
			c.mu.Lock()
			in := c.instances[id]
			if in.Tags == nil {
				in.Tags = map[string]string{}
			}
			maps.Copy(in.Tags, tags)
			c.mu.Unlock()
		case strings.HasPrefix(id, "sg-"):
			c.mu.Lock()
			g := c.groups[id]
			if g.Tags == nil {
				g.Tags = map[string]string{}
			}
			maps.Copy(g.Tags, tags)
			c.mu.Unlock()
		case strings.HasPrefix(id, "snap-"):
			c.mu.Lock()
			snap := c.snapshots[id]
			if snap.Tags == nil {
				snap.Tags = map[string]string{}
			}
			maps.Copy(snap.Tags, tags)
			c.mu.Unlock()
		case strings.HasPrefix(id, "key-"):
			c.mu.Lock()
			if kp := c.keyPairByIDLocked(r.Region, id); kp != nil {
				if kp.Tags == nil {
					kp.Tags = map[string]string{}
				}
				maps.Copy(kp.Tags, tags)
			}
			c.mu.Unlock()
		}
	}
	return okReply(r), nil
}

func (c *Compute) keyPairByIDLocked(region, id string) *keyPair {
	for k, kp := range c.keyPairs {
		if kp.ID == id && strings.HasPrefix(k, region+"/") {
			return kp
		}
	}
	return nil
}

func (c *Compute) checkResource(region, id string) error {
	switch {
	case strings.HasPrefix(id, "ami-"):
		if c.s.UpdateImage(region, id, func(*Image) {}) {
			return nil
		}
		return imageNotFound(id)
	case strings.HasPrefix(id, "i-"):
		c.mu.Lock()
		defer c.mu.Unlock()
		if in, ok := c.instances[id]; ok && in.Region == region {
			return nil
		}
		return instanceNotFound(id)
	case strings.HasPrefix(id, "sg-"):
		c.mu.Lock()
		defer c.mu.Unlock()
		if g, ok := c.groups[id]; ok && g.Region == region {
			return nil
		}
		return groupNotFound(id)
	case strings.HasPrefix(id, "snap-"):
		c.mu.Lock()
		defer c.mu.Unlock()
		if s, ok := c.snapshots[id]; ok && s.Region == region {
			return nil
		}
		return snapshotNotFound(id)
	case strings.HasPrefix(id, "key-"):
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.keyPairByIDLocked(region, id) != nil {
			return nil
		}
		return keyPairIDNotFound(id)
	}
	return &APIError{Code: "InvalidID", Message: fmt.Sprintf("The ID '%s' is not valid", id)}
}
