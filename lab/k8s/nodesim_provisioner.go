package main

// The lab's CSI provisioner for every cloud's drivers, as external-provisioner works with the
// PV controller: a claim the controller has handed to one of these drivers (its
// volume.kubernetes.io/storage-provisioner annotation, set once WaitForFirstConsumer has a
// selected node) gets a CSI PersistentVolume pre-bound to it, whose data is a directory on this
// machine named in its fleetdeck.io/lab-path attribute. A released volume whose reclaim policy is
// Delete, or a deleted one, takes its directory with it.

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	v1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	storagelisters "k8s.io/client-go/listers/storage/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/component-helpers/storage/volume"
	"k8s.io/klog/v2"
)

const (
	annProvisionedBy = "pv.kubernetes.io/provisioned-by"
	annSelectedNode  = "volume.kubernetes.io/selected-node"
	volumeFinalizer  = "external-provisioner.volume.kubernetes.io/finalizer"
)

type provisioner struct {
	client  kubernetes.Interface
	drivers map[string]bool
	dir     string

	claims   corelisters.PersistentVolumeClaimLister
	volumes  corelisters.PersistentVolumeLister
	classes  storagelisters.StorageClassLister
	recorder record.EventRecorder
}

func newProvisioner(client kubernetes.Interface, drivers []string, dir string) *provisioner {
	p := &provisioner{client: client, drivers: map[string]bool{}, dir: dir}
	for _, d := range drivers {
		if d != "" {
			p.drivers[d] = true
		}
	}
	return p
}

// keys of the provisioner's queue: a claim's "namespace/name", a volume's "pv:name"
const volumeKeyPrefix = "pv:"

func (p *provisioner) sync(ctx context.Context, key string) (time.Duration, error) {
	if name, ok := strings.CutPrefix(key, volumeKeyPrefix); ok {
		return 0, p.syncVolume(ctx, name)
	}
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	claim, err := p.claims.PersistentVolumeClaims(ns).Get(name)
	if err != nil {
		return 0, nil
	}
	return 0, p.provision(ctx, claim)
}

// claimDriver is the driver the PV controller handed the claim to, if it is one of ours.
func (p *provisioner) claimDriver(claim *v1.PersistentVolumeClaim) string {
	for _, ann := range []string{volume.AnnStorageProvisioner, volume.AnnBetaStorageProvisioner} {
		if d := claim.Annotations[ann]; p.drivers[d] {
			return d
		}
	}
	return ""
}

func (p *provisioner) provision(ctx context.Context, claim *v1.PersistentVolumeClaim) error {
	driver := p.claimDriver(claim)
	if driver == "" || claim.Spec.VolumeName != "" || claim.DeletionTimestamp != nil {
		return nil
	}
	className := ""
	if claim.Spec.StorageClassName != nil {
		className = *claim.Spec.StorageClassName
	}
	class, err := p.classes.Get(className)
	if err != nil {
		return nil // the PV controller names a class that exists; a later event brings it
	}
	if class.VolumeBindingMode != nil && *class.VolumeBindingMode == storagev1.VolumeBindingWaitForFirstConsumer && claim.Annotations[annSelectedNode] == "" {
		return nil
	}
	pv, err := p.volumeFor(claim, class, driver)
	if err != nil {
		return err
	}
	if _, err := p.volumes.Get(pv.Name); err == nil {
		return nil // provisioned already; the PV controller binds it
	}
	dir := pv.Spec.CSI.VolumeAttributes[labPathAttribute]
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if _, err := p.client.CoreV1().PersistentVolumes().Create(ctx, pv, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		p.recorder.Eventf(claim, v1.EventTypeWarning, "ProvisioningFailed", "failed to provision volume with StorageClass %q: %v", className, err)
		return err
	}
	klog.InfoS("provisioned volume", "claim", klog.KObj(claim), "pv", pv.Name, "dir", dir)
	p.recorder.Eventf(claim, v1.EventTypeNormal, "ProvisioningSucceeded", "Successfully provisioned volume %s", pv.Name)
	return nil
}

// volumeFor is the PersistentVolume a CSI provisioner creates for the claim (named pvc-<uid>).
func (p *provisioner) volumeFor(claim *v1.PersistentVolumeClaim, class *storagev1.StorageClass, driver string) (*v1.PersistentVolume, error) {
	size, ok := claim.Spec.Resources.Requests[v1.ResourceStorage]
	if !ok {
		return nil, fmt.Errorf("claim %s/%s requests no storage", claim.Namespace, claim.Name)
	}
	name := "pvc-" + string(claim.UID)
	attrs := map[string]string{}
	for k, v := range class.Parameters {
		attrs[k] = v
	}
	attrs["storage.kubernetes.io/csiProvisionerIdentity"] = "fleetdeck-lab-" + driver
	attrs[labPathAttribute] = filepath.Join(p.dir, name)
	fsType := class.Parameters["csi.storage.k8s.io/fstype"]
	if fsType == "" {
		fsType = class.Parameters["fsType"]
	}
	if fsType == "" {
		fsType = "ext4"
	}
	reclaim := v1.PersistentVolumeReclaimDelete
	if class.ReclaimPolicy != nil {
		reclaim = *class.ReclaimPolicy
	}
	return &v1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Annotations: map[string]string{annProvisionedBy: driver},
			Finalizers:  []string{volumeFinalizer},
		},
		Spec: v1.PersistentVolumeSpec{
			Capacity:                      v1.ResourceList{v1.ResourceStorage: size},
			AccessModes:                   claim.Spec.AccessModes,
			PersistentVolumeReclaimPolicy: reclaim,
			StorageClassName:              class.Name,
			VolumeMode:                    claim.Spec.VolumeMode,
			MountOptions:                  class.MountOptions,
			ClaimRef: &v1.ObjectReference{Kind: "PersistentVolumeClaim", APIVersion: "v1", Namespace: claim.Namespace, Name: claim.Name,
				UID: claim.UID, ResourceVersion: claim.ResourceVersion},
			PersistentVolumeSource: v1.PersistentVolumeSource{CSI: &v1.CSIPersistentVolumeSource{
				Driver: driver, VolumeHandle: "lab-" + string(claim.UID), FSType: fsType, VolumeAttributes: attrs,
			}},
		},
	}, nil
}

// labDir is the data directory of a volume this provisioner made ("" for any other volume).
func (p *provisioner) labDir(pv *v1.PersistentVolume) string {
	if pv.Spec.CSI == nil || !p.drivers[pv.Annotations[annProvisionedBy]] {
		return ""
	}
	dir := pv.Spec.CSI.VolumeAttributes[labPathAttribute]
	if filepath.Dir(dir) != filepath.Clean(p.dir) {
		return "" // never remove what lies outside the volumes directory
	}
	return dir
}

func (p *provisioner) syncVolume(ctx context.Context, name string) error {
	pv, err := p.volumes.Get(name)
	if err != nil {
		return nil
	}
	dir := p.labDir(pv)
	if dir == "" {
		return nil
	}
	deleteData := pv.Spec.PersistentVolumeReclaimPolicy == v1.PersistentVolumeReclaimDelete
	switch {
	case pv.DeletionTimestamp != nil:
		if deleteData {
			if err := os.RemoveAll(dir); err != nil {
				return err
			}
		}
		if !slices.Contains(pv.Finalizers, volumeFinalizer) {
			return nil
		}
		update := pv.DeepCopy()
		update.Finalizers = slices.DeleteFunc(update.Finalizers, func(f string) bool { return f == volumeFinalizer })
		_, err := p.client.CoreV1().PersistentVolumes().Update(ctx, update, metav1.UpdateOptions{})
		if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
			return nil // gone, or a newer version comes as an event
		}
		return err
	case pv.Status.Phase == v1.VolumeReleased && deleteData:
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
		klog.InfoS("deleted released volume", "pv", name, "dir", dir)
		err := p.client.CoreV1().PersistentVolumes().Delete(ctx, name, metav1.DeleteOptions{Preconditions: metav1.NewUIDPreconditions(string(pv.UID))})
		if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
			return nil
		}
		return err
	}
	return nil
}

// dirUsage is a directory's real usage, as du counts it (allocated blocks, inodes), and its file
// system's inode counts. Walking a large volume is costly, so each result is kept for a while.
type dirUsage struct {
	used               int64
	inodes, inodesFree uint64
	inodesUsed         uint64
	measuredAt         time.Time
}

type usageCache struct {
	ttl time.Duration
	mu  sync.Mutex
	by  map[string]dirUsage
}

func (c *usageCache) get(dir string) (dirUsage, error) {
	c.mu.Lock()
	u, ok := c.by[dir]
	c.mu.Unlock()
	if ok && time.Since(u.measuredAt) < c.ttl {
		return u, nil
	}
	u, err := measureDir(dir)
	if err != nil {
		return u, err
	}
	c.mu.Lock()
	if c.by == nil {
		c.by = map[string]dirUsage{}
	}
	c.by[dir] = u
	c.mu.Unlock()
	return u, nil
}

func measureDir(dir string) (dirUsage, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return dirUsage{}, err
	}
	u := dirUsage{inodes: st.Files, inodesFree: st.Ffree, measuredAt: time.Now()}
	seen := map[uint64]bool{} // hard links count once
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // a file removed while walking
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		sys, ok := info.Sys().(*syscall.Stat_t)
		if !ok || seen[sys.Ino] {
			return nil
		}
		if sys.Nlink > 1 {
			seen[sys.Ino] = true
		}
		u.used += sys.Blocks * 512
		u.inodesUsed++
		return nil
	})
	return u, err
}
