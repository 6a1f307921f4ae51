package ec2fake

import (
	"encoding/xml"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Instance states and the codes EC2 gives them.
const (
	statePending      = "pending"
	stateRunning      = "running"
	stateShuttingDown = "shutting-down"
	stateTerminated   = "terminated"
	stateStopping     = "stopping"
	stateStopped      = "stopped"
)

var stateCodes = map[string]int{
	statePending: 0, stateRunning: 16, stateShuttingDown: 32,
	stateTerminated: 48, stateStopping: 64, stateStopped: 80,
}

type instance struct {
	ID, Region, ImageID, InstanceType, KeyName, SubnetID string
	State                                                string
	Addr                                                 string
	Groups                                               []string
	Tags                                                 map[string]string
	LaunchTime                                           time.Time
	VolumeID                                             string
	// StateReason explains a failed launch ("" otherwise).
	StateReason string
}

// Instance is a snapshot of an instance, for assertions.
type Instance struct {
	ID, Region, ImageID, State, Addr string
	Tags                             map[string]string
}

// Instances returns every instance ever launched, oldest first.
func (c *Compute) Instances() []Instance {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Instance
	for _, in := range c.instances {
		out = append(out, Instance{ID: in.ID, Region: in.Region, ImageID: in.ImageID, State: in.State, Addr: in.Addr, Tags: maps.Clone(in.Tags)})
	}
	slices.SortFunc(out, func(a, b Instance) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// AddInstance records a running instance without launching anything, e.g.
// another build's instance for an in-flight test. It returns its id.
func (c *Compute) AddInstance(region, imageID, state string, tags map[string]string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	in := &instance{ID: c.newIDLocked("i"), Region: region, ImageID: imageID, InstanceType: "t3.micro", State: state,
		SubnetID: defaultSubnet, Tags: maps.Clone(tags), LaunchTime: time.Now().UTC()}
	c.instances[in.ID] = in
	return in.ID
}

// SetInstanceState changes an instance's state, e.g. to end an in-flight
// build in a test. It reports whether the instance exists.
func (c *Compute) SetInstanceState(id, state string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	in, ok := c.instances[id]
	if ok {
		in.State = state
	}
	return ok
}

// runInstances starts one instance: it checks the image, key pair and
// groups as EC2 does, records the instance as pending and hands it to the
// Launcher; it becomes running when the launcher returns an address.
func (c *Compute) runInstances(r *Request) (any, error) {
	imageID := r.Form.Get("ImageId")
	if minC, maxC := r.Form.Get("MinCount"), r.Form.Get("MaxCount"); minC != "1" || maxC != "1" {
		return nil, &APIError{Code: "InvalidParameterValue", Message: fmt.Sprintf("The fake launches exactly one instance (MinCount=%q MaxCount=%q)", minC, maxC)}
	}
	if err := c.launchable(r, imageID); err != nil {
		return nil, err
	}
	groups := ListParam(r.Form, "SecurityGroupId")
	subnet := r.Form.Get("SubnetId")
	if ni := r.Form.Get("NetworkInterface.1.SubnetId"); ni != "" {
		subnet = ni
		groups = append(groups, ListParam(r.Form, "NetworkInterface.1.SecurityGroupId")...)
	}
	if subnet == "" {
		subnet = defaultSubnet
	}
	if subnet != defaultSubnet {
		return nil, subnetNotFound(subnet)
	}
	tags := tagsFromSpecs(r.Form)["instance"]

	c.mu.Lock()
	keyName := r.Form.Get("KeyName")
	var publicKey string
	if keyName != "" {
		kp, ok := c.keyPairs[r.Region+"/"+keyName]
		if !ok {
			c.mu.Unlock()
			return nil, keyNameNotFound(keyName)
		}
		publicKey = kp.PublicKey
	}
	for _, g := range groups {
		if sg, ok := c.groups[g]; !ok || sg.Region != r.Region {
			c.mu.Unlock()
			return nil, groupNotFound(g)
		}
	}
	in := &instance{ID: c.newIDLocked("i"), Region: r.Region, ImageID: imageID, InstanceType: r.Form.Get("InstanceType"),
		KeyName: keyName, SubnetID: subnet, State: statePending, Groups: groups, Tags: tags,
		LaunchTime: time.Now().UTC(), VolumeID: c.newIDLocked("vol")}
	c.instances[in.ID] = in
	resp := runInstancesResponse{Xmlns: xmlns, RequestID: r.RequestID, ReservationID: c.newIDLocked("r"), OwnerID: r.AccountID,
		Instances: []instanceXML{in.toXML()}}
	c.mu.Unlock()

	req := LaunchRequest{Region: r.Region, InstanceID: in.ID, ImageID: imageID, InstanceType: in.InstanceType,
		KeyName: keyName, PublicKey: publicKey, UserData: r.Form.Get("UserData"), Tags: maps.Clone(tags)}
	go c.launch(req)
	return resp, nil
}

func (c *Compute) launch(req LaunchRequest) {
	var addr string
	err := fmt.Errorf("ec2fake: no Launcher configured")
	if c.opts.Launcher != nil {
		addr, err = c.opts.Launcher(c.launchCtx, req)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	in := c.instances[req.InstanceID]
	if in.State != statePending {
		return // terminated while launching
	}
	if err != nil {
		in.State, in.StateReason = stateTerminated, "Server.InternalError: "+err.Error()
		return
	}
	in.State, in.Addr = stateRunning, addr
}

// launchable refuses an image the caller may not launch: one that does not
// exist in the region or is not available (InvalidAMIID.NotFound), and
// another account's image the caller has no launch permission for
// (AuthFailure "Not authorized for images", with HTTP 400: what EC2 answers
// RunInstances for an image that is private to its owner).
func (c *Compute) launchable(r *Request, id string) error {
	for _, img := range c.s.Images(r.Region) {
		switch {
		case img.ID != id:
		case !img.VisibleTo(r.AccountID):
			return imageNotAuthorized("Not authorized for images: [%s]", id)
		case img.State != "available":
			return imageNotFound(id)
		default:
			return nil
		}
	}
	return imageNotFound(id)
}

var instanceDescribe = describeAction[*instance, reservationXML]{
	IDs:    []idParam[*instance]{{Param: "InstanceId", Of: func(in *instance) string { return in.ID }, NotFound: instanceNotFound}},
	Region: func(in *instance) string { return in.Region },
	Fields: map[string]func(*instance) string{
		"instance-id":         func(in *instance) string { return in.ID },
		"instance-state-name": func(in *instance) string { return in.State },
		"image-id":            func(in *instance) string { return in.ImageID },
	},
	Tags: func(in *instance) map[string]string { return in.Tags },
	Set:  "reservationSet",
	// One reservation per instance: the fake launches one at a time.
	Item: func(r *Request, in *instance) reservationXML {
		return reservationXML{ReservationID: "r-" + strings.TrimPrefix(in.ID, "i-"), OwnerID: r.AccountID, Instances: []instanceXML{in.toXML()}}
	},
}

func (c *Compute) describeInstances(r *Request) (any, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return instanceDescribe.answer(r, c.instances)
}

// stopInstances moves running instances to stopping, then stopped.
func (c *Compute) stopInstances(r *Request) (any, error) {
	return c.transition(r, map[string]bool{stateRunning: true, stateStopping: true, stateStopped: true}, stateStopping, stateStopped)
}

// terminateInstances moves instances to shutting-down, then terminated.
func (c *Compute) terminateInstances(r *Request) (any, error) {
	return c.transition(r, nil, stateShuttingDown, stateTerminated)
}

// transition applies a state change to InstanceId.N. allowed lists the
// states it may start from (nil: any but terminated); the instance is in
// via at once and in to after TransitionDelay.
func (c *Compute) transition(r *Request, allowed map[string]bool, via, to string) (any, error) {
	ids := ListParam(r.Form, "InstanceId")
	c.mu.Lock()
	defer c.mu.Unlock()
	resp := listResponse[stateChangeXML]{Action: r.Action, RequestID: r.RequestID, Set: "instancesSet"}
	for _, id := range ids {
		in, ok := c.instances[id]
		if !ok || in.Region != r.Region {
			return nil, instanceNotFound(id)
		}
		if allowed != nil && !allowed[in.State] {
			return nil, &APIError{Code: "IncorrectInstanceState", Message: fmt.Sprintf("The instance '%s' is not in a state from which it can be stopped.", id)}
		}
	}
	for _, id := range ids {
		in := c.instances[id]
		prev := in.State
		if prev != to && prev != stateTerminated {
			in.State = via
			c.afterLocked(c.opts.TransitionDelay, func() {
				c.mu.Lock()
				defer c.mu.Unlock()
				if in.State == via {
					in.State = to
				}
			})
		}
		resp.Items = append(resp.Items, stateChangeXML{InstanceID: id, Current: stateXML(in.State), Previous: stateXML(prev)})
	}
	return resp, nil
}

type instanceStateXML struct {
	Code int    `xml:"code"`
	Name string `xml:"name"`
}

func stateXML(name string) instanceStateXML {
	return instanceStateXML{Code: stateCodes[name], Name: name}
}

type groupXML struct {
	GroupID string `xml:"groupId"`
}

type blockDeviceXML struct {
	DeviceName string `xml:"deviceName"`
	Ebs        struct {
		VolumeID            string `xml:"volumeId"`
		Status              string `xml:"status"`
		AttachTime          string `xml:"attachTime"`
		DeleteOnTermination bool   `xml:"deleteOnTermination"`
	} `xml:"ebs"`
}

type stateReasonXML struct {
	Code    string `xml:"code"`
	Message string `xml:"message"`
}

type instanceXML struct {
	InstanceID         string           `xml:"instanceId"`
	ImageID            string           `xml:"imageId"`
	State              instanceStateXML `xml:"instanceState"`
	PrivateDNSName     string           `xml:"privateDnsName"`
	DNSName            string           `xml:"dnsName"`
	Reason             string           `xml:"reason"`
	KeyName            string           `xml:"keyName,omitempty"`
	AmiLaunchIndex     int              `xml:"amiLaunchIndex"`
	InstanceType       string           `xml:"instanceType"`
	LaunchTime         string           `xml:"launchTime"`
	AvailabilityZone   string           `xml:"placement>availabilityZone"`
	Tenancy            string           `xml:"placement>tenancy"`
	Monitoring         string           `xml:"monitoring>state"`
	SubnetID           string           `xml:"subnetId"`
	VpcID              string           `xml:"vpcId"`
	PrivateIPAddress   string           `xml:"privateIpAddress,omitempty"`
	IPAddress          string           `xml:"ipAddress,omitempty"`
	Groups             []groupXML       `xml:"groupSet>item"`
	StateReason        *stateReasonXML  `xml:"stateReason,omitempty"`
	Architecture       string           `xml:"architecture"`
	RootDeviceType     string           `xml:"rootDeviceType"`
	RootDeviceName     string           `xml:"rootDeviceName"`
	BlockDevices       []blockDeviceXML `xml:"blockDeviceMapping>item"`
	VirtualizationType string           `xml:"virtualizationType"`
	Hypervisor         string           `xml:"hypervisor"`
	Tags               []tagXML         `xml:"tagSet>item"`
}

// toXML describes the instance. Its address is both the private and the
// public IP: the launcher's machine is reachable from the host directly.
// Callers hold c.mu.
func (in *instance) toXML() instanceXML {
	x := instanceXML{
		InstanceID: in.ID, ImageID: in.ImageID, State: stateXML(in.State), KeyName: in.KeyName,
		InstanceType: in.InstanceType, LaunchTime: in.LaunchTime.Format(creationDateLayout),
		AvailabilityZone: in.Region + "a", Tenancy: "default", Monitoring: "disabled",
		SubnetID: in.SubnetID, VpcID: defaultVPCID, PrivateIPAddress: in.Addr, IPAddress: in.Addr,
		Architecture: "x86_64", RootDeviceType: "ebs", RootDeviceName: "/dev/xvda",
		VirtualizationType: "hvm", Hypervisor: "xen", Tags: tagsXML(in.Tags),
	}
	for _, g := range in.Groups {
		x.Groups = append(x.Groups, groupXML{GroupID: g})
	}
	if in.VolumeID != "" && in.State != stateTerminated {
		var bd blockDeviceXML
		bd.DeviceName = "/dev/xvda"
		bd.Ebs.VolumeID, bd.Ebs.Status, bd.Ebs.AttachTime, bd.Ebs.DeleteOnTermination = in.VolumeID, "attached", x.LaunchTime, true
		x.BlockDevices = []blockDeviceXML{bd}
	}
	if in.StateReason != "" {
		code, msg, _ := strings.Cut(in.StateReason, ": ")
		x.StateReason = &stateReasonXML{Code: code, Message: msg}
		x.Reason = in.StateReason
	}
	return x
}

type runInstancesResponse struct {
	XMLName       xml.Name      `xml:"RunInstancesResponse"`
	Xmlns         string        `xml:"xmlns,attr"`
	RequestID     string        `xml:"requestId"`
	ReservationID string        `xml:"reservationId"`
	OwnerID       string        `xml:"ownerId"`
	Instances     []instanceXML `xml:"instancesSet>item"`
}

type reservationXML struct {
	ReservationID string        `xml:"reservationId"`
	OwnerID       string        `xml:"ownerId"`
	Instances     []instanceXML `xml:"instancesSet>item"`
}

type stateChangeXML struct {
	InstanceID string           `xml:"instanceId"`
	Current    instanceStateXML `xml:"currentState"`
	Previous   instanceStateXML `xml:"previousState"`
}

type volumeXML struct {
	VolumeID string `xml:"volumeId"`
	Status   string `xml:"status"`
}

// describeVolumes knows no detached volumes: a root volume is deleted with
// its instance, so amazon-ebs's cleanup finds nothing to delete.
func (c *Compute) describeVolumes(r *Request) (any, error) {
	return listResponse[volumeXML]{Action: r.Action, RequestID: r.RequestID, Set: "volumeSet"}, nil
}
