package main

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
)

var (
	containerLabels = []string{"namespace", "pod", "container", "node", "image"}
	volumeLabels    = []string{"namespace", "persistentvolumeclaim", "node"}
	fsLabels        = []string{"node", "mountpoint", "device", "fstype"}

	cpuUsageDesc = prometheus.NewDesc("container_cpu_usage_seconds_total",
		"Cumulative cpu time consumed in seconds.", containerLabels, nil)
	workingSetDesc = prometheus.NewDesc("container_memory_working_set_bytes",
		"Current working set in bytes.", containerLabels, nil)
	memoryLimitDesc = prometheus.NewDesc("container_spec_memory_limit_bytes",
		"Memory limit for the container.", containerLabels, nil)
	cpuQuotaDesc = prometheus.NewDesc("container_spec_cpu_quota",
		"CPU quota of the container (microseconds per 100ms period).", containerLabels, nil)
	volumeCapacityDesc = prometheus.NewDesc("kubelet_volume_stats_capacity_bytes",
		"Capacity in bytes of the volume.", volumeLabels, nil)
	volumeAvailableDesc = prometheus.NewDesc("kubelet_volume_stats_available_bytes",
		"Number of available bytes in the volume.", volumeLabels, nil)
	volumeUsedDesc = prometheus.NewDesc("kubelet_volume_stats_used_bytes",
		"Number of used bytes in the volume.", volumeLabels, nil)
	volumeInodesDesc = prometheus.NewDesc("kubelet_volume_stats_inodes",
		"Maximum number of inodes in the volume.", volumeLabels, nil)
	volumeInodesFreeDesc = prometheus.NewDesc("kubelet_volume_stats_inodes_free",
		"Number of free inodes in the volume.", volumeLabels, nil)
	volumeInodesUsedDesc = prometheus.NewDesc("kubelet_volume_stats_inodes_used",
		"Number of used inodes in the volume.", volumeLabels, nil)
	fsSizeDesc = prometheus.NewDesc("node_filesystem_size_bytes",
		"Filesystem size in bytes.", fsLabels, nil)
	fsAvailDesc = prometheus.NewDesc("node_filesystem_avail_bytes",
		"Filesystem space available to non-root users in bytes.", fsLabels, nil)
)

// usageCollector generates kubelet/cAdvisor-style usage from the informer caches on every scrape.
type usageCollector struct{ s *nodeSim }

func (usageCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{cpuUsageDesc, workingSetDesc, memoryLimitDesc, cpuQuotaDesc,
		volumeCapacityDesc, volumeAvailableDesc, volumeUsedDesc, volumeInodesDesc, volumeInodesFreeDesc, volumeInodesUsedDesc,
		fsSizeDesc, fsAvailDesc} {
		ch <- d
	}
}

func (c usageCollector) Collect(ch chan<- prometheus.Metric) {
	now := time.Now()
	nodes, _ := c.s.nodes.List(labels.Everything())
	for _, node := range nodes {
		size := defaultCapacity[v1.ResourceEphemeralStorage]
		if q, ok := node.Status.Capacity[v1.ResourceEphemeralStorage]; ok {
			size = q
		}
		bytes := size.AsApproximateFloat64()
		fill := fillFraction(node.Annotations, 0.2+0.3*unit("fs", node.Name))
		ch <- gauge(fsSizeDesc, bytes, node.Name, "/", "/dev/sda1", "ext4")
		ch <- gauge(fsAvailDesc, math.Round(bytes*(1-fill)), node.Name, "/", "/dev/sda1", "ext4")

		pods, _ := c.s.podsByNode.ByIndex(nodeNameIndex, node.Name)
		claims := map[string]bool{}
		for _, obj := range pods {
			pod := obj.(*v1.Pod)
			if pod.Status.Phase != v1.PodRunning {
				continue
			}
			c.collectContainers(ch, pod, now)
			for _, v := range pod.Spec.Volumes {
				if v.PersistentVolumeClaim == nil || claims[pod.Namespace+"/"+v.PersistentVolumeClaim.ClaimName] {
					continue
				}
				claims[pod.Namespace+"/"+v.PersistentVolumeClaim.ClaimName] = true
				c.collectVolume(ch, pod.Namespace, v.PersistentVolumeClaim.ClaimName, node.Name)
			}
		}
	}
}

func (c usageCollector) collectContainers(ch chan<- prometheus.Metric, pod *v1.Pod, now time.Time) {
	for _, statuses := range [][]v1.ContainerStatus{pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses} {
		for _, cs := range statuses {
			spec := containerSpec(pod, cs.Name)
			var started time.Time
			switch {
			case spec == nil:
				continue
			case cs.State.Running != nil:
				started = cs.State.Running.StartedAt.Time
			case cs.State.Waiting != nil && cs.LastTerminationState.Terminated != nil: // restarting
				started = cs.LastTerminationState.Terminated.FinishedAt.Time
			default:
				continue
			}
			key := pod.Namespace + "/" + pod.Name + "/" + cs.Name
			lv := []string{pod.Namespace, pod.Name, cs.Name, pod.Spec.NodeName, cs.Image}
			cpuRequest, memRequest := 0.1, float64(64<<20)
			if q, ok := spec.Resources.Requests[v1.ResourceCPU]; ok && !q.IsZero() {
				cpuRequest = q.AsApproximateFloat64()
			}
			if q, ok := spec.Resources.Requests[v1.ResourceMemory]; ok && !q.IsZero() {
				memRequest = q.AsApproximateFloat64()
			}
			memLimit, hasMemLimit := spec.Resources.Limits[v1.ResourceMemory]
			cpuLimit, hasCPULimit := spec.Resources.Limits[v1.ResourceCPU]

			workingSet := memoryWorkingSet(key, memRequest, now)
			if pod.Annotations[faultAnnotation] == faultOOM && cs.Name == pod.Spec.Containers[0].Name {
				workingSet = memRequest
				if hasMemLimit {
					workingSet = memLimit.AsApproximateFloat64()
				}
				workingSet = math.Round(0.98 * workingSet)
			}
			ch <- prometheus.MustNewConstMetric(cpuUsageDesc, prometheus.CounterValue,
				cpuRate(key, cpuRequest)*max(0, now.Sub(started).Seconds()), lv...)
			ch <- gauge(workingSetDesc, workingSet, lv...)
			if hasMemLimit {
				ch <- gauge(memoryLimitDesc, memLimit.AsApproximateFloat64(), lv...)
			}
			if hasCPULimit {
				ch <- gauge(cpuQuotaDesc, float64(cpuLimit.MilliValue())*100, lv...)
			}
		}
	}
}

func (c usageCollector) collectVolume(ch chan<- prometheus.Metric, namespace, claim, node string) {
	pvc, err := c.s.pvcs.PersistentVolumeClaims(namespace).Get(claim)
	if err != nil {
		return
	}
	capacity := pvc.Spec.Resources.Requests[v1.ResourceStorage]
	if capacity.IsZero() {
		capacity = pvc.Status.Capacity[v1.ResourceStorage]
	}
	if capacity.IsZero() {
		return
	}
	size := capacity.AsApproximateFloat64()
	if dir := c.s.claimDir(pvc); dir != "" && pvc.Annotations[fillAnnotation] == "" {
		// a volume with data on this machine reports what its directory really holds
		u, err := c.s.usage.get(dir)
		if err == nil {
			used := float64(u.used)
			ch <- gauge(volumeCapacityDesc, size, namespace, claim, node)
			ch <- gauge(volumeAvailableDesc, max(size-used, 0), namespace, claim, node)
			ch <- gauge(volumeUsedDesc, used, namespace, claim, node)
			ch <- gauge(volumeInodesDesc, float64(u.inodes), namespace, claim, node)
			ch <- gauge(volumeInodesFreeDesc, float64(u.inodesFree), namespace, claim, node)
			ch <- gauge(volumeInodesUsedDesc, float64(u.inodesUsed), namespace, claim, node)
			return
		}
	}
	used := math.Round(size * fillFraction(pvc.Annotations, 0.1+0.5*unit("pvc", namespace, claim)))
	ch <- gauge(volumeCapacityDesc, size, namespace, claim, node)
	ch <- gauge(volumeAvailableDesc, size-used, namespace, claim, node)
	ch <- gauge(volumeUsedDesc, used, namespace, claim, node)
}

func gauge(d *prometheus.Desc, v float64, lv ...string) prometheus.Metric {
	return prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, lv...)
}

func containerSpec(pod *v1.Pod, name string) *v1.Container {
	for _, list := range [][]v1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for i := range list {
			if list[i].Name == name {
				return &list[i]
			}
		}
	}
	return nil
}

// cpuRate is a container's steady CPU usage in cores: 20–80% of its request.
func cpuRate(key string, request float64) float64 {
	return request * (0.2 + 0.6*unit("cpu", key))
}

// memoryWorkingSet is 42–83% of the request plus a ±2% wobble over ten minutes.
func memoryWorkingSet(key string, request float64, now time.Time) float64 {
	base := 0.42 + 0.41*unit("memory", key)
	wobble := 0.02 * math.Sin(2*math.Pi*(float64(now.Unix())/600+unit("phase", key)))
	return math.Round(request * (base + wobble))
}

// fillFraction reads the lab.fleetdeck.io/fill annotation ("85" or "85%") as a fraction.
func fillFraction(annotations map[string]string, fallback float64) float64 {
	p, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(annotations[fillAnnotation]), "%"), 64)
	if err != nil || math.IsNaN(p) {
		return fallback
	}
	return min(max(p, 0), 100) / 100
}

// claimDir is the directory holding a bound claim's data on this machine, if it has one.
func (s *nodeSim) claimDir(pvc *v1.PersistentVolumeClaim) string {
	if pvc.Spec.VolumeName == "" || s.pvs == nil {
		return ""
	}
	pv, err := s.pvs.Get(pvc.Spec.VolumeName)
	if err != nil || pv.Spec.CSI == nil {
		return ""
	}
	return pv.Spec.CSI.VolumeAttributes[labPathAttribute]
}
