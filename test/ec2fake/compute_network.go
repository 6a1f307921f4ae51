package ec2fake

import (
	"crypto/ed25519"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"encoding/xml"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// The fake has one default VPC with one subnet per region, in zone "<region>a".
const (
	defaultVPCID  = "vpc-0fa4e000000000001"
	defaultSubnet = "subnet-0fa4e000000000001"
)

type regionXML struct {
	RegionName     string `xml:"regionName"`
	RegionEndpoint string `xml:"regionEndpoint"`
	OptInStatus    string `xml:"optInStatus"`
}

func (c *Compute) describeRegions(r *Request) (any, error) {
	names := ListParam(r.Form, "RegionName")
	resp := listResponse[regionXML]{Action: r.Action, RequestID: r.RequestID, Set: "regionInfo"}
	for _, name := range c.opts.Regions {
		if len(names) > 0 && !slices.Contains(names, name) {
			continue
		}
		resp.Items = append(resp.Items, regionXML{RegionName: name, RegionEndpoint: "ec2." + name + ".amazonaws.com", OptInStatus: "opt-in-not-required"})
	}
	return resp, nil
}

type zoneXML struct {
	ZoneName   string `xml:"zoneName"`
	ZoneID     string `xml:"zoneId"`
	ZoneState  string `xml:"zoneState"`
	RegionName string `xml:"regionName"`
	ZoneType   string `xml:"zoneType"`
}

func (c *Compute) describeAvailabilityZones(r *Request) (any, error) {
	return listResponse[zoneXML]{Action: r.Action, RequestID: r.RequestID, Set: "availabilityZoneInfo", Items: []zoneXML{{
		ZoneName: r.Region + "a", ZoneID: r.Region + "-az1", ZoneState: "available", RegionName: r.Region, ZoneType: "availability-zone",
	}}}, nil
}

type vpcXML struct {
	VpcID           string `xml:"vpcId"`
	OwnerID         string `xml:"ownerId"`
	State           string `xml:"state"`
	CidrBlock       string `xml:"cidrBlock"`
	DhcpOptionsID   string `xml:"dhcpOptionsId"`
	InstanceTenancy string `xml:"instanceTenancy"`
	IsDefault       bool   `xml:"isDefault"`
}

var vpcDescribe = describeAction[vpcXML, vpcXML]{
	IDs: []idParam[vpcXML]{{Param: "VpcId", Of: func(v vpcXML) string { return v.VpcID }, NotFound: vpcNotFound}},
	Fields: map[string]func(vpcXML) string{
		"is-default": func(v vpcXML) string { return strconv.FormatBool(v.IsDefault) },
		"vpc-id":     func(v vpcXML) string { return v.VpcID },
		"state":      func(v vpcXML) string { return v.State },
		"cidr":       func(v vpcXML) string { return v.CidrBlock },
		"cidr-block": func(v vpcXML) string { return v.CidrBlock },
	},
	Set:  "vpcSet",
	Item: func(_ *Request, v vpcXML) vpcXML { return v },
}

// describeVpcs answers for the region's one VPC, the default.
func (c *Compute) describeVpcs(r *Request) (any, error) {
	vpc := vpcXML{VpcID: defaultVPCID, OwnerID: r.AccountID, State: "available", CidrBlock: "172.31.0.0/16", DhcpOptionsID: "dopt-0fa4e000000000001", InstanceTenancy: "default", IsDefault: true}
	return vpcDescribe.answer(r, map[string]vpcXML{vpc.VpcID: vpc})
}

type subnetXML struct {
	SubnetID                string `xml:"subnetId"`
	State                   string `xml:"state"`
	VpcID                   string `xml:"vpcId"`
	CidrBlock               string `xml:"cidrBlock"`
	AvailableIPAddressCount int    `xml:"availableIpAddressCount"`
	AvailabilityZone        string `xml:"availabilityZone"`
	AvailabilityZoneID      string `xml:"availabilityZoneId"`
	DefaultForAz            bool   `xml:"defaultForAz"`
	MapPublicIPOnLaunch     bool   `xml:"mapPublicIpOnLaunch"`
	OwnerID                 string `xml:"ownerId"`
}

var subnetDescribe = describeAction[subnetXML, subnetXML]{
	IDs: []idParam[subnetXML]{{Param: "SubnetId", Of: func(sn subnetXML) string { return sn.SubnetID }, NotFound: subnetNotFound}},
	Fields: map[string]func(subnetXML) string{
		"vpc-id":            func(sn subnetXML) string { return sn.VpcID },
		"subnet-id":         func(sn subnetXML) string { return sn.SubnetID },
		"state":             func(sn subnetXML) string { return sn.State },
		"availability-zone": func(sn subnetXML) string { return sn.AvailabilityZone },
		"availabilityZone":  func(sn subnetXML) string { return sn.AvailabilityZone },
		"default-for-az":    func(sn subnetXML) string { return strconv.FormatBool(sn.DefaultForAz) },
	},
	Set:  "subnetSet",
	Item: func(_ *Request, sn subnetXML) subnetXML { return sn },
}

// describeSubnets answers for the region's one subnet, the default VPC's.
func (c *Compute) describeSubnets(r *Request) (any, error) {
	sn := subnetXML{SubnetID: defaultSubnet, State: "available", VpcID: defaultVPCID, CidrBlock: "172.31.0.0/20", AvailableIPAddressCount: 4091,
		AvailabilityZone: r.Region + "a", AvailabilityZoneID: r.Region + "-az1", DefaultForAz: true, MapPublicIPOnLaunch: true, OwnerID: r.AccountID}
	return subnetDescribe.answer(r, map[string]subnetXML{sn.SubnetID: sn})
}

type offeringXML struct {
	InstanceType string `xml:"instanceType"`
	LocationType string `xml:"locationType"`
	Location     string `xml:"location"`
}

// describeInstanceTypeOfferings offers every instance type in the region's
// one zone: the fake has no capacity limits.
func (c *Compute) describeInstanceTypeOfferings(r *Request) (any, error) {
	filters, err := Filters(r.Form)
	if err != nil {
		return nil, err
	}
	off := offeringXML{LocationType: "availability-zone", Location: r.Region + "a"}
	for _, f := range filters {
		switch f.Name {
		case "instance-type":
			off.InstanceType = f.Values[0]
		case "location":
			if !matchAny(f, off.Location) {
				return listResponse[offeringXML]{Action: r.Action, RequestID: r.RequestID, Set: "instanceTypeOfferingSet"}, nil
			}
		}
	}
	if off.InstanceType == "" {
		off.InstanceType = "t3.micro"
	}
	return listResponse[offeringXML]{Action: r.Action, RequestID: r.RequestID, Set: "instanceTypeOfferingSet", Items: []offeringXML{off}}, nil
}

type keyPair struct {
	ID          string
	Region      string
	Name        string
	Type        string // rsa or ed25519
	Fingerprint string
	PublicKey   string // authorized_keys form
	Tags        map[string]string
	Created     time.Time
}

// keyPairResponse answers CreateKeyPair, with the private key, and
// ImportKeyPair, without.
type keyPairResponse struct {
	XMLName        xml.Name
	Xmlns          string `xml:"xmlns,attr"`
	RequestID      string `xml:"requestId"`
	KeyName        string `xml:"keyName"`
	KeyFingerprint string `xml:"keyFingerprint"`
	KeyMaterial    string `xml:"keyMaterial,omitempty"`
	KeyPairID      string `xml:"keyPairId"`
}

func newKeyPairResponse(r *Request, kp *keyPair, material string) keyPairResponse {
	return keyPairResponse{XMLName: xml.Name{Local: r.Action + "Response"}, Xmlns: xmlns, RequestID: r.RequestID,
		KeyName: kp.Name, KeyFingerprint: kp.Fingerprint, KeyMaterial: material, KeyPairID: kp.ID}
}

// createKeyPair makes a real key pair (RSA 2048 or ed25519, as KeyType
// asks), so a launcher can install the public half and Packer can log in
// with the private half it receives.
func (c *Compute) createKeyPair(r *Request) (any, error) {
	name := r.Form.Get("KeyName")
	if name == "" {
		return nil, &APIError{Code: "MissingParameter", Message: "The request must contain the parameter KeyName"}
	}
	var (
		material string
		pub      ssh.PublicKey
	)
	switch kt := r.Form.Get("KeyType"); kt {
	case "", "rsa":
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, err
		}
		material = string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
		if pub, err = ssh.NewPublicKey(&key.PublicKey); err != nil {
			return nil, err
		}
	case "ed25519":
		pk, sk, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		block, err := ssh.MarshalPrivateKey(sk, "")
		if err != nil {
			return nil, err
		}
		material = string(pem.EncodeToMemory(block))
		if pub, err = ssh.NewPublicKey(pk); err != nil {
			return nil, err
		}
	default:
		return nil, &APIError{Code: "InvalidParameterValue", Message: fmt.Sprintf("Value (%s) for parameter keyType is invalid.", kt)}
	}
	kp, err := c.addKeyPair(r, name, pub, tagsFromSpecs(r.Form)["key-pair"])
	if err != nil {
		return nil, err
	}
	return newKeyPairResponse(r, kp, material), nil
}

func (c *Compute) importKeyPair(r *Request) (any, error) {
	name := r.Form.Get("KeyName")
	pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(decodeBlob(r.Form.Get("PublicKeyMaterial"))))
	if err != nil {
		return nil, &APIError{Code: "InvalidKey.Format", Message: "Key is not in valid OpenSSH public key format"}
	}
	kp, err := c.addKeyPair(r, name, pub, tagsFromSpecs(r.Form)["key-pair"])
	if err != nil {
		return nil, err
	}
	return newKeyPairResponse(r, kp, ""), nil
}

// ImportKeyPair registers a public key (authorized_keys form) under name,
// for templates that set ssh_keypair_name and ssh_private_key_file.
func (c *Compute) ImportKeyPair(region, name, authorizedKey string) error {
	pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(authorizedKey))
	if err != nil {
		return fmt.Errorf("import key pair %q: %w", name, err)
	}
	_, err = c.addKeyPair(&Request{Region: region}, name, pub, nil)
	return err
}

func (c *Compute) addKeyPair(r *Request, name string, pub ssh.PublicKey, tags map[string]string) (*keyPair, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := r.Region + "/" + name
	if _, dup := c.keyPairs[k]; dup {
		return nil, &APIError{Code: "InvalidKeyPair.Duplicate", Message: fmt.Sprintf("The keypair already exists: %s", name)}
	}
	sum := md5.Sum(pub.Marshal())
	fp := make([]string, len(sum))
	for i, b := range sum {
		fp[i] = fmt.Sprintf("%02x", b)
	}
	kt := "rsa"
	if pub.Type() == ssh.KeyAlgoED25519 {
		kt = "ed25519"
	}
	kp := &keyPair{ID: c.newIDLocked("key"), Region: r.Region, Name: name, Type: kt, Fingerprint: strings.Join(fp, ":"),
		PublicKey: strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub))), Tags: tags, Created: time.Now().UTC()}
	c.keyPairs[k] = kp
	return kp, nil
}

// deleteKeyPair deletes by KeyName or by KeyPairId. EC2 answers success for
// a name or an id that does not exist.
func (c *Compute) deleteKeyPair(r *Request) (any, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if id := r.Form.Get("KeyPairId"); id != "" {
		for k, kp := range c.keyPairs {
			if kp.ID == id && strings.HasPrefix(k, r.Region+"/") {
				delete(c.keyPairs, k)
			}
		}
		return okReply(r), nil
	}
	delete(c.keyPairs, r.Region+"/"+r.Form.Get("KeyName"))
	return okReply(r), nil
}

type securityGroup struct {
	ID, Name, Description, VpcID, Region string
	Tags                                 map[string]string
	Ingress                              []string // "tcp:22:0.0.0.0/0"
}

type createSecurityGroupResponse struct {
	XMLName   xml.Name `xml:"CreateSecurityGroupResponse"`
	Xmlns     string   `xml:"xmlns,attr"`
	RequestID string   `xml:"requestId"`
	Return    bool     `xml:"return"`
	GroupID   string   `xml:"groupId"`
}

func (c *Compute) createSecurityGroup(r *Request) (any, error) {
	name, desc := r.Form.Get("GroupName"), r.Form.Get("GroupDescription")
	if name == "" || desc == "" {
		return nil, &APIError{Code: "MissingParameter", Message: "The request must contain the parameters GroupName and GroupDescription"}
	}
	vpc := r.Form.Get("VpcId")
	if vpc == "" {
		vpc = defaultVPCID
	}
	if vpc != defaultVPCID {
		return nil, vpcNotFound(vpc)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, g := range c.groups {
		if g.Region == r.Region && g.VpcID == vpc && g.Name == name {
			return nil, &APIError{Code: "InvalidGroup.Duplicate", Message: fmt.Sprintf("The security group '%s' already exists for VPC '%s'", name, vpc)}
		}
	}
	g := &securityGroup{ID: c.newIDLocked("sg"), Name: name, Description: desc, VpcID: vpc, Region: r.Region, Tags: tagsFromSpecs(r.Form)["security-group"]}
	c.groups[g.ID] = g
	return createSecurityGroupResponse{Xmlns: xmlns, RequestID: r.RequestID, Return: true, GroupID: g.ID}, nil
}

type securityGroupXML struct {
	OwnerID     string   `xml:"ownerId"`
	GroupID     string   `xml:"groupId"`
	GroupName   string   `xml:"groupName"`
	Description string   `xml:"groupDescription"`
	VpcID       string   `xml:"vpcId"`
	Tags        []tagXML `xml:"tagSet>item"`
}

var securityGroupDescribe = describeAction[*securityGroup, securityGroupXML]{
	IDs:    []idParam[*securityGroup]{{Param: "GroupId", Of: func(g *securityGroup) string { return g.ID }, NotFound: groupNotFound}},
	Region: func(g *securityGroup) string { return g.Region },
	Fields: map[string]func(*securityGroup) string{
		"group-id":   func(g *securityGroup) string { return g.ID },
		"group-name": func(g *securityGroup) string { return g.Name },
		"vpc-id":     func(g *securityGroup) string { return g.VpcID },
	},
	Tags: func(g *securityGroup) map[string]string { return g.Tags },
	Set:  "securityGroupInfo",
	Item: func(r *Request, g *securityGroup) securityGroupXML {
		return securityGroupXML{OwnerID: r.AccountID, GroupID: g.ID, GroupName: g.Name, Description: g.Description, VpcID: g.VpcID, Tags: tagsXML(g.Tags)}
	},
}

func (c *Compute) describeSecurityGroups(r *Request) (any, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return securityGroupDescribe.answer(r, c.groups)
}

func (c *Compute) authorizeSecurityGroupIngress(r *Request) (any, error) {
	id := r.Form.Get("GroupId")
	c.mu.Lock()
	defer c.mu.Unlock()
	g, ok := c.groups[id]
	if !ok || g.Region != r.Region {
		return nil, groupNotFound(id)
	}
	for n := 1; r.Form.Has(fmt.Sprintf("IpPermissions.%d.IpProtocol", n)); n++ {
		p := fmt.Sprintf("IpPermissions.%d.", n)
		for _, cidr := range ListParam(r.Form, p+"IpRanges") {
			g.Ingress = append(g.Ingress, fmt.Sprintf("%s:%s:%s", r.Form.Get(p+"IpProtocol"), r.Form.Get(p+"FromPort"), cidr))
		}
		for m := 1; r.Form.Has(fmt.Sprintf("%sIpRanges.%d.CidrIp", p, m)); m++ {
			g.Ingress = append(g.Ingress, fmt.Sprintf("%s:%s:%s", r.Form.Get(p+"IpProtocol"), r.Form.Get(p+"FromPort"), r.Form.Get(fmt.Sprintf("%sIpRanges.%d.CidrIp", p, m))))
		}
	}
	return okReply(r), nil
}

// deleteSecurityGroup refuses, as EC2 does, while an instance that is not
// terminated still uses the group.
func (c *Compute) deleteSecurityGroup(r *Request) (any, error) {
	id := r.Form.Get("GroupId")
	c.mu.Lock()
	defer c.mu.Unlock()
	g, ok := c.groups[id]
	if !ok || g.Region != r.Region {
		return nil, groupNotFound(id)
	}
	for _, in := range c.instances {
		if in.State != stateTerminated && slices.Contains(in.Groups, id) {
			return nil, &APIError{Code: "DependencyViolation", Message: fmt.Sprintf("resource %s has a dependent object", id)}
		}
	}
	delete(c.groups, id)
	return okReply(r), nil
}

// SecurityGroups returns the ids of the security groups that exist.
func (c *Compute) SecurityGroups() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Sorted(maps.Keys(c.groups))
}

// KeyPairs returns "region/name" of the key pairs that exist.
func (c *Compute) KeyPairs() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Sorted(maps.Keys(c.keyPairs))
}
