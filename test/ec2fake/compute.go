package ec2fake

import (
	"context"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"sync"
	"time"
)

// This file and the other compute_*.go files add what the amazon-ebs builder
// calls, so that a real `packer build` runs through the fake: regions, the
// default VPC and subnet, key pairs, security groups, instances, and images
// made from instances or copied between regions. The "instance" is a real
// machine the test supplies through a Launcher (a booted harness target), so
// Packer's SSH and provisioners run for real.

// Launcher starts (or hands out) the machine behind a RunInstances call and
// returns the address to reach it at, which becomes the instance's private
// and public IP. It runs in its own goroutine while the instance is
// "pending"; an error makes the instance fail to start (terminated, with
// Server.InternalError as the state reason).
type Launcher func(ctx context.Context, req LaunchRequest) (addr string, err error)

// LaunchRequest describes the instance being launched.
type LaunchRequest struct {
	Region       string
	InstanceID   string
	ImageID      string
	InstanceType string
	// KeyName is the key pair named in RunInstances ("" for none) and
	// PublicKey its public half in authorized_keys form, for a launcher that
	// installs it the way cloud-init would.
	KeyName   string
	PublicKey string
	// UserData is base64, as sent.
	UserData string
	Tags     map[string]string
}

// ComputeOptions configure EnableCompute. The zero value is usable, but
// RunInstances fails without a Launcher.
type ComputeOptions struct {
	Launcher Launcher
	// Regions is what DescribeRegions answers. Default DefaultRegions.
	Regions []string
	// ImagePendingFor is how long a new or copied image stays "pending"
	// before it becomes "available". Default 1s.
	ImagePendingFor time.Duration
	// TransitionDelay is how long an instance stays "stopping" or
	// "shutting-down". Default 500ms.
	TransitionDelay time.Duration
}

// DefaultRegions is what DescribeRegions answers unless told otherwise.
var DefaultRegions = []string{"us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-central-1", "eu-north-1", "ap-southeast-2"}

// Compute holds the state of the actions EnableCompute adds. It is safe for
// concurrent use.
type Compute struct {
	s    *Server
	opts ComputeOptions
	// launchCtx is the context launchers run in; Close cancels it.
	launchCtx context.Context
	cancel    context.CancelFunc

	// imageNames makes an image's name check and its creation one step, as
	// EC2's CreateImage and CopyImage are: of two concurrent creates of one
	// name, exactly one succeeds.
	imageNames sync.Mutex

	mu        sync.Mutex
	seq       uint64
	instances map[string]*instance      // id -> instance, every region
	groups    map[string]*securityGroup // id -> group
	keyPairs  map[string]*keyPair       // region + "/" + name -> key pair
	snapshots map[string]*snapshot      // id -> snapshot, every region
	// failNext counts, per region, the next new images that end "failed"
	// instead of "available".
	failNext map[string]int
	timers   []*time.Timer
}

// EnableCompute registers the compute actions on s and returns their state.
func EnableCompute(s *Server, opts ComputeOptions) *Compute {
	if len(opts.Regions) == 0 {
		opts.Regions = DefaultRegions
	}
	if opts.ImagePendingFor == 0 {
		opts.ImagePendingFor = time.Second
	}
	if opts.TransitionDelay == 0 {
		opts.TransitionDelay = 500 * time.Millisecond
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &Compute{
		s: s, opts: opts, launchCtx: ctx, cancel: cancel,
		instances: map[string]*instance{},
		groups:    map[string]*securityGroup{},
		keyPairs:  map[string]*keyPair{},
		snapshots: map[string]*snapshot{},
		failNext:  map[string]int{},
	}
	for action, h := range map[string]func(*Request) (any, error){
		"DescribeRegions":               c.describeRegions,
		"DescribeAvailabilityZones":     c.describeAvailabilityZones,
		"DescribeVpcs":                  c.describeVpcs,
		"DescribeSubnets":               c.describeSubnets,
		"DescribeInstanceTypeOfferings": c.describeInstanceTypeOfferings,
		"CreateKeyPair":                 c.createKeyPair,
		"ImportKeyPair":                 c.importKeyPair,
		"DeleteKeyPair":                 c.deleteKeyPair,
		"CreateSecurityGroup":           c.createSecurityGroup,
		"DescribeSecurityGroups":        c.describeSecurityGroups,
		"AuthorizeSecurityGroupIngress": c.authorizeSecurityGroupIngress,
		"DeleteSecurityGroup":           c.deleteSecurityGroup,
		"RunInstances":                  c.runInstances,
		"DescribeInstances":             c.describeInstances,
		"StopInstances":                 c.stopInstances,
		"TerminateInstances":            c.terminateInstances,
		"CreateImage":                   c.createImage,
		"CopyImage":                     c.copyImage,
		"DeregisterImage":               c.deregisterImage,
		"CreateTags":                    c.createTags,
		"ModifyImageAttribute":          c.modifyImageAttribute,
		"DescribeVolumes":               c.describeVolumes,
		"DeleteSnapshot":                c.deleteSnapshot,
		"DescribeImageAttribute":        c.describeImageAttribute,
		"ModifySnapshotAttribute":       c.modifySnapshotAttribute,
		"DescribeSnapshotAttribute":     c.describeSnapshotAttribute,
		"EnableImageDeprecation":        c.enableImageDeprecation,
		"DisableImageDeprecation":       c.disableImageDeprecation,
		"DescribeKeyPairs":              c.describeKeyPairs,
	} {
		s.Handle(action, func(_ *Server, r *Request) (any, error) { return h(r) })
	}
	c.handleProtection()
	return c
}

// Close stops pending state changes and cancels running launchers.
func (c *Compute) Close() {
	c.cancel()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, t := range c.timers {
		t.Stop()
	}
}

// SetImagePendingFor changes how long the images created or copied from now
// on stay "pending".
func (c *Compute) SetImagePendingFor(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.opts.ImagePendingFor = d
}

// FailNextImage makes the next n images created or copied in region end in
// state "failed" instead of "available", as EC2 does when a snapshot fails.
func (c *Compute) FailNextImage(region string, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failNext[region] += n
}

// newID returns prefix-<17 hex digits>, unique within c.
func (c *Compute) newIDLocked(prefix string) string {
	c.seq++
	return fmt.Sprintf("%s-%017x", prefix, 0xc0000000+c.seq)
}

// after runs fn after d unless Close comes first. Callers hold c.mu.
func (c *Compute) afterLocked(d time.Duration, fn func()) {
	c.timers = append(c.timers, time.AfterFunc(d, fn))
}

// okResponse is the body of the many actions that answer <return>true</return>.
type okResponse struct {
	XMLName   xml.Name
	Xmlns     string `xml:"xmlns,attr"`
	RequestID string `xml:"requestId"`
	Return    bool   `xml:"return"`
}

func okReply(r *Request) okResponse {
	return okResponse{XMLName: xml.Name{Local: r.Action + "Response"}, Xmlns: xmlns, RequestID: r.RequestID, Return: true}
}

// tagsFromSpecs reads TagSpecification.N.ResourceType and .Tag.M.Key/Value,
// returning the tags per resource type.
func tagsFromSpecs(form url.Values) map[string]map[string]string {
	out := map[string]map[string]string{}
	for n := 1; ; n++ {
		prefix := fmt.Sprintf("TagSpecification.%d.", n)
		rt := form.Get(prefix + "ResourceType")
		if rt == "" {
			return out
		}
		if out[rt] == nil {
			out[rt] = map[string]string{}
		}
		maps.Copy(out[rt], tagList(form, prefix+"Tag"))
	}
}

// tagList reads prefix.N.Key / prefix.N.Value.
func tagList(form url.Values, prefix string) map[string]string {
	out := map[string]string{}
	for n := 1; ; n++ {
		k := fmt.Sprintf("%s.%d.", prefix, n)
		key, ok := form[k+"Key"]
		if !ok {
			return out
		}
		out[key[0]] = form.Get(k + "Value")
	}
}

func tagsXML(tags map[string]string) []tagXML {
	var out []tagXML
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		out = append(out, tagXML{Key: k, Value: tags[k]})
	}
	return out
}

// matchAny reports whether any value matches any of the filter's patterns.
func matchAny(f Filter, values ...string) bool {
	for _, v := range values {
		for _, p := range f.Values {
			if matchWildcard(p, v) {
				return true
			}
		}
	}
	return false
}

// decodeBlob reads a Query-protocol blob (base64); a value that is not
// base64 is taken as is, as some clients send plain text.
func decodeBlob(v string) string {
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return v
	}
	return string(b)
}
