package main

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"net/netip"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
	"k8s.io/klog/v2"
	"k8s.io/utils/ptr"
)

const (
	faultNotReady        = "notready"
	leaseDurationSeconds = 40
)

var defaultCapacity = v1.ResourceList{
	v1.ResourceCPU:              resource.MustParse("4"),
	v1.ResourceMemory:           resource.MustParse("16Gi"),
	v1.ResourcePods:             resource.MustParse("110"),
	v1.ResourceEphemeralStorage: resource.MustParse("100Gi"),
}

// syncNode heartbeats a node when due (Lease, then status) and otherwise only posts status
// changes, such as a fault annotation coming or going.
func (s *nodeSim) syncNode(ctx context.Context, name string) (time.Duration, error) {
	node, err := s.nodes.Get(name)
	if err != nil {
		return 0, nil // gone or no longer simulated
	}
	now := time.Now()
	due := heartbeatDue(node, now, s.heartbeat)
	if due {
		if err := s.renewLease(ctx, node, now); err != nil {
			return 0, err
		}
	}
	first := true
	err = retry.RetryOnConflict(retry.DefaultBackoff, func() error {
		if !first {
			fresh, err := s.client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			node = fresh
		}
		first = false
		status := desiredNodeStatus(node, now.Truncate(time.Second), due)
		if !due && equality.Semantic.DeepEqual(status, &node.Status) {
			return nil
		}
		update := node.DeepCopy()
		update.Status = *status
		if _, err := s.client.CoreV1().Nodes().UpdateStatus(ctx, update, metav1.UpdateOptions{}); err != nil {
			return err
		}
		if was, is := nodeReady(&node.Status), nodeReady(status); was != is {
			reason := "NodeNotReady"
			if is {
				reason = "NodeReady"
			}
			klog.InfoS("node status", "node", name, "ready", is)
			ref := &v1.ObjectReference{Kind: "Node", Name: name, UID: types.UID(name)} // as the kubelet does
			s.recorder(name).Eventf(ref, v1.EventTypeNormal, reason, "Node %s status is now: %s", name, reason)
		}
		return nil
	})
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	return 0, err
}

func heartbeatDue(node *v1.Node, now time.Time, interval time.Duration) bool {
	for _, c := range node.Status.Conditions {
		if c.Type == v1.NodeReady {
			return now.Sub(c.LastHeartbeatTime.Time) >= interval/2
		}
	}
	return true
}

func nodeReady(st *v1.NodeStatus) bool {
	for _, c := range st.Conditions {
		if c.Type == v1.NodeReady {
			return c.Status == v1.ConditionTrue
		}
	}
	return false
}

func (s *nodeSim) renewLease(ctx context.Context, node *v1.Node, now time.Time) error {
	leases := s.client.CoordinationV1().Leases(v1.NamespaceNodeLease)
	lease, err := s.leases.Leases(v1.NamespaceNodeLease).Get(node.Name)
	if apierrors.IsNotFound(err) {
		lease = &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: node.Name, Namespace: v1.NamespaceNodeLease,
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "Node", Name: node.Name, UID: node.UID}}}}
		setLeaseSpec(lease, node.Name, now)
		_, err = leases.Create(ctx, lease, metav1.CreateOptions{})
		return err
	}
	if err != nil {
		return err
	}
	lease = lease.DeepCopy()
	setLeaseSpec(lease, node.Name, now)
	_, err = leases.Update(ctx, lease, metav1.UpdateOptions{})
	return err
}

func setLeaseSpec(lease *coordinationv1.Lease, holder string, now time.Time) {
	lease.Spec.HolderIdentity = ptr.To(holder)
	lease.Spec.LeaseDurationSeconds = ptr.To[int32](leaseDurationSeconds)
	lease.Spec.RenewTime = ptr.To(metav1.NewMicroTime(now))
}

// desiredNodeStatus is the status a kubelet posts. What the lab seeded (capacity, addresses,
// node info) wins; node-sim fills the gaps. Without a heartbeat the condition heartbeat times
// stay as they are, so that an unchanged node compares equal.
func desiredNodeStatus(node *v1.Node, now time.Time, heartbeat bool) *v1.NodeStatus {
	st := node.Status.DeepCopy()
	if st.Capacity == nil {
		st.Capacity = v1.ResourceList{}
	}
	for name, q := range defaultCapacity {
		if _, ok := st.Capacity[name]; !ok {
			st.Capacity[name] = q
		}
	}
	if st.Allocatable == nil {
		st.Allocatable = v1.ResourceList{}
	}
	for name, q := range st.Capacity {
		if _, ok := st.Allocatable[name]; !ok {
			st.Allocatable[name] = q
		}
	}

	ready := v1.NodeCondition{Type: v1.NodeReady, Status: v1.ConditionTrue, Reason: "KubeletReady",
		Message: "kubelet is posting ready status"}
	if node.Annotations[faultAnnotation] == faultNotReady {
		ready = v1.NodeCondition{Type: v1.NodeReady, Status: v1.ConditionFalse, Reason: "KubeletNotReady",
			Message: "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady"}
	}
	for _, c := range []v1.NodeCondition{
		{Type: v1.NodeMemoryPressure, Status: v1.ConditionFalse, Reason: "KubeletHasSufficientMemory",
			Message: "kubelet has sufficient memory available"},
		{Type: v1.NodeDiskPressure, Status: v1.ConditionFalse, Reason: "KubeletHasNoDiskPressure",
			Message: "kubelet has no disk pressure"},
		{Type: v1.NodePIDPressure, Status: v1.ConditionFalse, Reason: "KubeletHasSufficientPID",
			Message: "kubelet has sufficient PID available"},
		ready,
	} {
		st.Conditions = setNodeCondition(st.Conditions, c, metav1.NewTime(now), heartbeat)
	}

	if !hasAddress(st.Addresses, v1.NodeInternalIP) {
		st.Addresses = append([]v1.NodeAddress{{Type: v1.NodeInternalIP, Address: derivedNodeIP(node.Name)}}, st.Addresses...)
	}
	if !hasAddress(st.Addresses, v1.NodeHostName) {
		st.Addresses = append(st.Addresses, v1.NodeAddress{Type: v1.NodeHostName, Address: node.Name})
	}
	if st.DaemonEndpoints.KubeletEndpoint.Port == 0 {
		st.DaemonEndpoints.KubeletEndpoint.Port = 10250
	}

	machine, boot := sha256.Sum256([]byte(node.Name)), sha256.Sum256([]byte("boot/"+node.Name))
	info := &st.NodeInfo
	for _, f := range []struct {
		field *string
		value string
	}{
		{&info.MachineID, fmt.Sprintf("%x", machine[:16])},
		{&info.SystemUUID, uuid(machine[16:])},
		{&info.BootID, uuid(boot[:])},
		{&info.KernelVersion, "6.8.0-60-generic"},
		{&info.OSImage, "Ubuntu 24.04 LTS"},
		{&info.ContainerRuntimeVersion, "containerd://2.1.4"},
		{&info.KubeletVersion, "v1.37.2"},
		{&info.OperatingSystem, "linux"},
		{&info.Architecture, "amd64"},
	} {
		if *f.field == "" {
			*f.field = f.value
		}
	}
	return st
}

func uuid(b []byte) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func setNodeCondition(conds []v1.NodeCondition, c v1.NodeCondition, now metav1.Time, heartbeat bool) []v1.NodeCondition {
	c.LastHeartbeatTime, c.LastTransitionTime = now, now
	for i := range conds {
		if conds[i].Type != c.Type {
			continue
		}
		if !heartbeat {
			c.LastHeartbeatTime = conds[i].LastHeartbeatTime
		}
		if conds[i].Status == c.Status {
			c.LastTransitionTime = conds[i].LastTransitionTime
		}
		conds[i] = c
		return conds
	}
	return append(conds, c)
}

func hasAddress(addrs []v1.NodeAddress, t v1.NodeAddressType) bool {
	for _, a := range addrs {
		if a.Type == t {
			return true
		}
	}
	return false
}

func hash64(parts ...string) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	// FNV barely moves the high bits for names differing in their last byte; mix them (splitmix64).
	x := h.Sum64()
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// unit maps its arguments to a deterministic number in [0, 1).
func unit(parts ...string) float64 {
	return float64(hash64(parts...)>>11) / (1 << 53)
}

// derivedNodeIP places nodes in 10.0.0.0/10 and (see podCIDR) their pods in 10.64.0.0/10.
func derivedNodeIP(name string) string {
	h := hash64(name)
	return netip.AddrFrom4([4]byte{10, byte(h>>16) & 63, byte(h >> 8), byte(1 + h%254)}).String()
}

func nodeIP(node *v1.Node) string {
	for _, a := range node.Status.Addresses {
		if a.Type == v1.NodeInternalIP {
			return a.Address
		}
	}
	return derivedNodeIP(node.Name)
}

// podCIDR is the node's IPv4 spec.podCIDR when the controller-manager allocates them, else a
// /24 derived from the node name.
func podCIDR(node *v1.Node) netip.Prefix {
	if p, err := netip.ParsePrefix(node.Spec.PodCIDR); err == nil && p.Addr().Is4() && p.Bits() <= 28 {
		return p.Masked()
	}
	h := hash64("podCIDR", node.Name)
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 64 + byte(h>>8)&63, byte(h), 0}), 24)
}

// ipam hands out pod IPs that are unique among the pods node-sim sees.
type ipam struct {
	mu    sync.Mutex
	byPod map[types.UID]string
	owner map[string]types.UID
}

func newIPAM() *ipam {
	return &ipam{byPod: map[types.UID]string{}, owner: map[string]types.UID{}}
}

// observe records the IP of a pod as reported, and frees it once the pod is done.
func (a *ipam) observe(pod *v1.Pod) {
	switch {
	case podTerminal(pod) || pod.Spec.HostNetwork:
		a.release(pod.UID)
	case pod.Status.PodIP != "":
		a.mu.Lock()
		defer a.mu.Unlock()
		a.assign(pod.UID, pod.Status.PodIP)
	}
}

func (a *ipam) assign(uid types.UID, ip string) {
	if old, ok := a.byPod[uid]; ok && old != ip {
		delete(a.owner, old)
	}
	a.byPod[uid], a.owner[ip] = ip, uid
}

func (a *ipam) release(uid types.UID) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if ip, ok := a.byPod[uid]; ok {
		delete(a.owner, ip)
		delete(a.byPod, uid)
	}
}

// allocate returns the pod's IP in cidr, probing from a hash of its UID for a free address
// (skipping the network, gateway and broadcast addresses).
func (a *ipam) allocate(uid types.UID, cidr netip.Prefix) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if ip, ok := a.byPod[uid]; ok {
		return ip
	}
	base4 := cidr.Addr().As4()
	base := binary.BigEndian.Uint32(base4[:])
	hosts := uint32(1)<<(32-cidr.Bits()) - 3
	start := uint32(hash64(string(uid)) % uint64(hosts))
	var ip string
	for i := range hosts {
		ip = addr4(base + 2 + (start+i)%hosts)
		if _, used := a.owner[ip]; !used {
			break
		}
	}
	a.assign(uid, ip) // when the range is full the last candidate is shared
	return ip
}

func addr4(n uint32) string {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], n)
	return netip.AddrFrom4(b).String()
}
