package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/distribution/reference"
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/retry"
	"k8s.io/klog/v2"
	"k8s.io/kubernetes/pkg/apis/core/v1/helper/qos"
	"k8s.io/utils/ptr"
)

const (
	faultCrashLoop = "crashloop"
	faultOOM       = "oom"
	faultImagePull = "imagepull"

	backOff       = 10 * time.Second // the kubelet's first back-off; it doubles after each failure
	maxBackOff    = 5 * time.Minute
	jobRunTime    = 5 * time.Second
	configRecheck = 5 * time.Second

	reasonCrashLoop   = "CrashLoopBackOff"
	reasonErrPull     = "ErrImagePull"
	reasonPullBackOff = "ImagePullBackOff"
	reasonConfigError = "CreateContainerConfigError"
)

func (s *nodeSim) syncPod(ctx context.Context, key string) (time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	pod, err := s.pods.Pods(ns).Get(name)
	if err != nil {
		return 0, nil // deleted
	}
	node, err := s.nodes.Get(pod.Spec.NodeName)
	if err != nil {
		return 0, nil // not a simulated node
	}
	if pod.DeletionTimestamp != nil {
		// A kubelet deletes the pod for good once its containers have stopped.
		s.runtime.stop(pod.UID, time.Duration(min(ptr.Deref(pod.DeletionGracePeriodSeconds, 30), 30))*time.Second)
		err := s.client.CoreV1().Pods(ns).Delete(ctx, name, metav1.DeleteOptions{
			GracePeriodSeconds: ptr.To[int64](0),
			Preconditions:      metav1.NewUIDPreconditions(string(pod.UID)),
		})
		if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
			err = nil
		}
		return 0, err
	}

	var run *podRun
	if isMoverPod(pod) {
		run = s.runtime.ensure(s, pod)
		if pod.Annotations[faultAnnotation] == faultKill && run.kill() > 0 {
			klog.InfoS("kill fault: mover processes killed", "pod", key)
			patch := []byte(fmt.Sprintf(`{"metadata":{"annotations":{%q:null}}}`, faultAnnotation))
			if _, err := s.client.CoreV1().Pods(ns).Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil && !apierrors.IsNotFound(err) {
				return 0, err
			}
		}
	}

	var requeue time.Duration
	first := true
	err = retry.RetryOnConflict(retry.DefaultBackoff, func() error {
		if !first {
			fresh, err := s.client.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			pod = fresh
		}
		first = false
		if podTerminal(pod) || pod.DeletionTimestamp != nil {
			requeue = 0
			return nil
		}
		now := time.Now().Truncate(time.Second) // the API server keeps whole seconds
		hostIP := nodeIP(node)
		podIP := pod.Status.PodIP
		switch {
		case pod.Spec.HostNetwork:
			podIP = hostIP
		case podIP == "":
			podIP = s.ips.allocate(pod.UID, podCIDR(node))
		}
		var status *v1.PodStatus
		e := podEnv{now: now, hostIP: hostIP, podIP: podIP, exists: s.exists(ctx, ns)}
		if run != nil {
			e.real = run.snapshot()
		}
		status, requeue = desiredPodStatus(pod, e)
		if equality.Semantic.DeepEqual(status, &pod.Status) {
			return nil
		}
		update := pod.DeepCopy()
		update.Status = *status
		if _, err := s.client.CoreV1().Pods(ns).UpdateStatus(ctx, update, metav1.UpdateOptions{}); err != nil {
			return err
		}
		rec := s.recorder(node.Name)
		for _, e := range podEvents(pod, pod.Status.ContainerStatuses, status.ContainerStatuses) {
			ref := &v1.ObjectReference{Kind: "Pod", APIVersion: "v1", Namespace: ns, Name: name, UID: pod.UID,
				FieldPath: fmt.Sprintf("spec.containers{%s}", e.container)}
			rec.Event(ref, v1.EventTypeWarning, e.reason, e.message)
		}
		return nil
	})
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	return requeue, err
}

func podTerminal(pod *v1.Pod) bool {
	return pod.Status.Phase == v1.PodSucceeded || pod.Status.Phase == v1.PodFailed
}

// podEnv is what a pod's desired status depends on besides the pod itself.
type podEnv struct {
	now           time.Time // whole seconds
	hostIP, podIP string
	exists        func(kind, name string) bool // kind is "configmap" or "secret", in the pod's namespace
	// real is set for a pod node-sim runs (a mover): its containers' runs, by name
	real map[string]containerRun
}

// desiredPodStatus computes the status a kubelet would report now, from the pod and the status
// last reported, and how long until it changes by itself (0: not until something else changes).
func desiredPodStatus(pod *v1.Pod, env podEnv) (*v1.PodStatus, time.Duration) {
	now := metav1.NewTime(env.now)
	var wake time.Time
	wakeAt := func(t time.Time) {
		if wake.IsZero() || t.Before(wake) {
			wake = t
		}
	}

	st := pod.Status.DeepCopy()
	if st.StartTime == nil {
		st.StartTime = &now
	}
	st.ObservedGeneration = pod.Generation
	st.HostIP, st.HostIPs = env.hostIP, []v1.HostIP{{IP: env.hostIP}}
	st.PodIP, st.PodIPs = env.podIP, []v1.PodIP{{IP: env.podIP}}
	st.QOSClass = qos.GetPodQOS(pod)

	st.InitContainerStatuses = nil
	var initPending []string
	initFailed := false
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		cs, old := newContainerStatus(c, pod.Status.InitContainerStatuses)
		sidecar := c.RestartPolicy != nil && *c.RestartPolicy == v1.ContainerRestartPolicyAlways
		if env.real != nil {
			run, found := env.real[c.Name]
			realContainerStatus(&cs, c, run, found, "PodInitializing")
			t := cs.State.Terminated
			if !sidecar {
				cs.Ready = t != nil && t.ExitCode == 0
			}
			if !sidecar && !cs.Ready || sidecar && cs.State.Running == nil {
				initPending = append(initPending, c.Name)
			}
			initFailed = initFailed || !sidecar && t != nil && t.ExitCode != 0 && pod.Spec.RestartPolicy == v1.RestartPolicyNever
			st.InitContainerStatuses = append(st.InitContainerStatuses, cs)
			continue
		}
		if sidecar {
			runContainer(&cs, pod, c, old, now) // sidecar
		} else {
			cs.Ready = true
			cs.Image, cs.ImageID = pulledImage(c.Image)
			cs.ContainerID = containerID(pod.UID, "init/"+c.Name, cs.RestartCount)
			cs.State.Terminated = &v1.ContainerStateTerminated{Reason: "Completed", StartedAt: *st.StartTime,
				FinishedAt: *st.StartTime, ContainerID: cs.ContainerID}
		}
		st.InitContainerStatuses = append(st.InitContainerStatuses, cs)
	}

	fault := pod.Annotations[faultAnnotation]
	st.ContainerStatuses = make([]v1.ContainerStatus, 0, len(pod.Spec.Containers))
	var unready []string
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		cs, old := newContainerStatus(c, pod.Status.ContainerStatuses)
		missing := ""
		if env.real == nil && !hasRun(old) {
			missing = firstMissing(slices.Concat(volumeRefs(pod), envRefs(c)), env.exists)
		}
		switch {
		case env.real != nil:
			run, found := env.real[c.Name]
			waiting := "ContainerCreating"
			if len(initPending) > 0 {
				waiting = "PodInitializing"
			}
			realContainerStatus(&cs, c, run, found, waiting)
		case i == 0 && (fault == faultCrashLoop || fault == faultOOM):
			if t := crashContainer(&cs, pod, c, old, fault == faultOOM, now); !t.IsZero() {
				wakeAt(t)
			}
		case i == 0 && fault == faultImagePull:
			wakeAt(pullFailure(&cs, c, st.StartTime.Time, env.now))
		case missing != "":
			cs.State.Waiting = &v1.ContainerStateWaiting{Reason: reasonConfigError, Message: missing}
			wakeAt(env.now.Add(configRecheck))
		default:
			runContainer(&cs, pod, c, old, now)
		}
		if !cs.Ready {
			unready = append(unready, c.Name)
		}
		st.ContainerStatuses = append(st.ContainerStatuses, cs)
	}
	if env.real == nil && ownedByJob(pod) && len(unready) == 0 {
		if done := jobDoneAt(st.ContainerStatuses); done.After(env.now) {
			wakeAt(done)
		} else {
			for i := range st.ContainerStatuses {
				completeContainer(&st.ContainerStatuses[i], done)
			}
		}
	}
	slices.SortFunc(st.ContainerStatuses, func(a, b v1.ContainerStatus) int { return strings.Compare(a.Name, b.Name) })

	st.Phase = podPhase(st.ContainerStatuses)
	if initFailed {
		st.Phase = v1.PodFailed
	}
	terminal := st.Phase == v1.PodSucceeded || st.Phase == v1.PodFailed
	cond := func(t v1.PodConditionType, ok bool, reason, message string) {
		st.Conditions = setPodCondition(st.Conditions, v1.PodCondition{Type: t, Status: conditionStatus(ok),
			ObservedGeneration: pod.Generation, LastTransitionTime: now, Reason: reason, Message: message})
	}
	readyReason, readyMessage := "", ""
	switch {
	case st.Phase == v1.PodSucceeded:
		readyReason = "PodCompleted"
	case st.Phase == v1.PodFailed:
		readyReason = "PodFailed"
	case len(unready) > 0:
		readyReason = "ContainersNotReady"
		readyMessage = fmt.Sprintf("containers with unready status: [%s]", strings.Join(unready, " "))
	}
	initReason := ""
	if st.Phase == v1.PodSucceeded {
		initReason = "PodCompleted"
	}
	cond(v1.PodReadyToStartContainers, !terminal, "", "")
	if len(initPending) > 0 && !terminal {
		cond(v1.PodInitialized, false, "ContainersNotInitialized", fmt.Sprintf("containers with incomplete status: [%s]", strings.Join(initPending, " ")))
	} else {
		cond(v1.PodInitialized, true, initReason, "")
	}
	cond(v1.PodReady, readyReason == "", readyReason, readyMessage)
	cond(v1.ContainersReady, readyReason == "", readyReason, readyMessage)
	if !slices.ContainsFunc(st.Conditions, func(c v1.PodCondition) bool { return c.Type == v1.PodScheduled }) {
		cond(v1.PodScheduled, true, "", "")
	}

	if wake.IsZero() || terminal {
		return st, 0
	}
	return st, wake.Sub(env.now)
}

// newContainerStatus starts a container's status from the one last reported, which it returns.
func newContainerStatus(c *v1.Container, reported []v1.ContainerStatus) (v1.ContainerStatus, *v1.ContainerStatus) {
	cs := v1.ContainerStatus{Name: c.Name, Image: c.Image, Started: ptr.To(false)}
	i := slices.IndexFunc(reported, func(s v1.ContainerStatus) bool { return s.Name == c.Name })
	if i < 0 {
		return cs, nil
	}
	old := &reported[i]
	cs.RestartCount = old.RestartCount
	old.LastTerminationState.DeepCopyInto(&cs.LastTerminationState)
	return cs, old
}

func hasRun(old *v1.ContainerStatus) bool {
	return old != nil && (old.State.Running != nil || old.State.Terminated != nil || old.LastTerminationState.Terminated != nil)
}

func runContainer(cs *v1.ContainerStatus, pod *v1.Pod, c *v1.Container, old *v1.ContainerStatus, now metav1.Time) {
	started := now
	if old != nil && old.State.Running != nil {
		started = old.State.Running.StartedAt
	}
	cs.State.Running = &v1.ContainerStateRunning{StartedAt: started}
	cs.Ready, cs.Started = true, ptr.To(true)
	cs.Image, cs.ImageID = pulledImage(c.Image)
	cs.ContainerID = containerID(pod.UID, c.Name, cs.RestartCount)
}

// backOffAfter is the kubelet's delay after the n-th consecutive failure (n from 0): backOff
// doubled each time, at most maxBackOff.
func backOffAfter(n int32) time.Duration {
	d := backOff
	for i := int32(0); i < n && d < maxBackOff; i++ {
		d *= 2
	}
	return min(d, maxBackOff)
}

// crashContainer puts the container into a crash loop whose restarts back off as the kubelet's do, or fails
// it for good under restartPolicy Never. It returns when the next restart is due.
func crashContainer(cs *v1.ContainerStatus, pod *v1.Pod, c *v1.Container, old *v1.ContainerStatus, oom bool, now metav1.Time) time.Time {
	code, reason := int32(1), "Error"
	if oom {
		code, reason = 137, "OOMKilled"
	}
	cs.Image, cs.ImageID = pulledImage(c.Image)
	if pod.Spec.RestartPolicy == v1.RestartPolicyNever {
		if old != nil && old.State.Terminated != nil {
			cs.State, cs.ContainerID = old.State, old.ContainerID
		} else {
			cs.ContainerID = containerID(pod.UID, c.Name, cs.RestartCount)
			cs.State.Terminated = &v1.ContainerStateTerminated{ExitCode: code, Reason: reason, StartedAt: now,
				FinishedAt: now, ContainerID: cs.ContainerID}
		}
		return time.Time{}
	}
	last := cs.LastTerminationState.Terminated
	looping := old != nil && old.State.Waiting != nil && old.State.Waiting.Reason == reasonCrashLoop &&
		last != nil && last.Reason == reason
	if !looping || !now.Time.Before(last.FinishedAt.Add(backOffAfter(cs.RestartCount-1))) {
		// Containers that crash on start have startedAt == finishedAt.
		last = &v1.ContainerStateTerminated{ExitCode: code, Reason: reason, StartedAt: now, FinishedAt: now,
			ContainerID: containerID(pod.UID, c.Name, cs.RestartCount)}
		cs.RestartCount++
		cs.LastTerminationState = v1.ContainerState{Terminated: last}
	}
	delay := backOffAfter(cs.RestartCount - 1)
	cs.ContainerID = last.ContainerID
	cs.State.Waiting = &v1.ContainerStateWaiting{Reason: reasonCrashLoop,
		Message: fmt.Sprintf("back-off %s restarting failed container=%s pod=%s_%s(%s)", delay, c.Name, pod.Name, pod.Namespace, pod.UID)}
	return last.FinishedAt.Add(delay)
}

// pullFailure reports ErrImagePull for backOff/2 after each pull attempt and ImagePullBackOff until
// the next one; attempts back off as the kubelet's do. It returns when the state changes next.
func pullFailure(cs *v1.ContainerStatus, c *v1.Container, start, now time.Time) time.Time {
	attempt, n := start, int32(0)
	for !now.Before(attempt.Add(backOffAfter(n))) {
		attempt = attempt.Add(backOffAfter(n))
		n++
	}
	ref, _ := normalizeImage(c.Image)
	if failing := attempt.Add(backOff / 2); now.Before(failing) {
		cs.State.Waiting = &v1.ContainerStateWaiting{Reason: reasonErrPull,
			Message: fmt.Sprintf("failed to pull and unpack image %q: failed to resolve reference %q: %s: not found", ref, ref, ref)}
		return failing
	}
	cs.State.Waiting = &v1.ContainerStateWaiting{Reason: reasonPullBackOff, Message: fmt.Sprintf("Back-off pulling image %q", c.Image)}
	return attempt.Add(backOffAfter(n))
}

// jobDoneAt is when a Job pod whose containers all run has done its work.
func jobDoneAt(statuses []v1.ContainerStatus) time.Time {
	var started time.Time
	for _, cs := range statuses {
		if t := cs.State.Running.StartedAt.Time; t.After(started) {
			started = t
		}
	}
	return started.Add(jobRunTime)
}

func completeContainer(cs *v1.ContainerStatus, finished time.Time) {
	cs.State = v1.ContainerState{Terminated: &v1.ContainerStateTerminated{Reason: "Completed",
		StartedAt: cs.State.Running.StartedAt, FinishedAt: metav1.NewTime(finished), ContainerID: cs.ContainerID}}
	cs.Ready, cs.Started = false, ptr.To(false)
}

// podPhase follows the kubelet: any container not yet started keeps the pod Pending, a
// running or restarting one keeps it Running.
func podPhase(statuses []v1.ContainerStatus) v1.PodPhase {
	var waiting, running, failed int
	for _, cs := range statuses {
		switch {
		case cs.State.Running != nil, cs.State.Waiting != nil && cs.LastTerminationState.Terminated != nil:
			running++
		case cs.State.Waiting != nil:
			waiting++
		case cs.State.Terminated != nil && cs.State.Terminated.ExitCode != 0:
			failed++
		}
	}
	switch {
	case waiting > 0:
		return v1.PodPending
	case running > 0:
		return v1.PodRunning
	case failed > 0:
		return v1.PodFailed
	}
	return v1.PodSucceeded
}

func setPodCondition(conds []v1.PodCondition, c v1.PodCondition) []v1.PodCondition {
	for i := range conds {
		if conds[i].Type == c.Type {
			if conds[i].Status == c.Status {
				c.LastTransitionTime = conds[i].LastTransitionTime
			}
			conds[i] = c
			return conds
		}
	}
	return append(conds, c)
}

func conditionStatus(ok bool) v1.ConditionStatus {
	if ok {
		return v1.ConditionTrue
	}
	return v1.ConditionFalse
}

func ownedByJob(pod *v1.Pod) bool {
	return slices.ContainsFunc(pod.OwnerReferences, func(o metav1.OwnerReference) bool { return o.Kind == "Job" })
}

// objRef is a ConfigMap or Secret a container needs before it can be created.
type objRef struct {
	kind, name string
	optional   *bool
}

func volumeRefs(pod *v1.Pod) []objRef {
	var refs []objRef
	for _, v := range pod.Spec.Volumes {
		if s := v.ConfigMap; s != nil {
			refs = append(refs, objRef{"configmap", s.Name, s.Optional})
		}
		if s := v.Secret; s != nil {
			refs = append(refs, objRef{"secret", s.SecretName, s.Optional})
		}
		if v.Projected == nil {
			continue
		}
		for _, src := range v.Projected.Sources {
			if s := src.ConfigMap; s != nil {
				refs = append(refs, objRef{"configmap", s.Name, s.Optional})
			}
			if s := src.Secret; s != nil {
				refs = append(refs, objRef{"secret", s.Name, s.Optional})
			}
		}
	}
	return refs
}

func envRefs(c *v1.Container) []objRef {
	var refs []objRef
	for _, e := range c.EnvFrom {
		if r := e.ConfigMapRef; r != nil {
			refs = append(refs, objRef{"configmap", r.Name, r.Optional})
		}
		if r := e.SecretRef; r != nil {
			refs = append(refs, objRef{"secret", r.Name, r.Optional})
		}
	}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			continue
		}
		if r := e.ValueFrom.ConfigMapKeyRef; r != nil {
			refs = append(refs, objRef{"configmap", r.Name, r.Optional})
		}
		if r := e.ValueFrom.SecretKeyRef; r != nil {
			refs = append(refs, objRef{"secret", r.Name, r.Optional})
		}
	}
	return refs
}

// firstMissing describes the first required reference that does not exist, as the kubelet does.
func firstMissing(refs []objRef, exists func(kind, name string) bool) string {
	for _, r := range refs {
		if !ptr.Deref(r.optional, false) && !exists(r.kind, r.name) {
			return fmt.Sprintf("%s %q not found", r.kind, r.name)
		}
	}
	return ""
}

type podEvent struct{ container, reason, message string }

// podEvents are the Warning events a kubelet records for a change of container statuses.
func podEvents(pod *v1.Pod, before, after []v1.ContainerStatus) []podEvent {
	var events []podEvent
	for _, cs := range after {
		w := cs.State.Waiting
		if w == nil {
			continue
		}
		i := slices.IndexFunc(before, func(s v1.ContainerStatus) bool { return s.Name == cs.Name })
		var old *v1.ContainerStatus
		if i >= 0 {
			old = &before[i]
		}
		changed := old == nil || old.State.Waiting == nil || old.State.Waiting.Reason != w.Reason || old.State.Waiting.Message != w.Message
		switch {
		case w.Reason == reasonCrashLoop && (old == nil || old.RestartCount != cs.RestartCount):
			events = append(events, podEvent{cs.Name, "BackOff", fmt.Sprintf("Back-off restarting failed container %s in pod %s_%s(%s)",
				cs.Name, pod.Name, pod.Namespace, pod.UID)})
		case w.Reason == reasonErrPull && changed:
			events = append(events, podEvent{cs.Name, "Failed", fmt.Sprintf("Failed to pull image %q: %s", specImage(pod, cs.Name), w.Message)})
		case w.Reason == reasonPullBackOff && changed:
			events = append(events, podEvent{cs.Name, "BackOff", w.Message})
		case w.Reason == reasonConfigError && changed:
			events = append(events, podEvent{cs.Name, "Failed", "Error: " + w.Message})
		}
	}
	return events
}

func specImage(pod *v1.Pod, container string) string {
	for _, c := range pod.Spec.Containers {
		if c.Name == container {
			return c.Image
		}
	}
	return ""
}

// normalizeImage returns the image reference as a container runtime reports it, and its repository.
func normalizeImage(image string) (ref, repo string) {
	named, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return image, image
	}
	return reference.TagNameOnly(named).String(), named.Name()
}

func pulledImage(image string) (ref, imageID string) {
	ref, repo := normalizeImage(image)
	sum := sha256.Sum256([]byte(image))
	return ref, repo + "@sha256:" + hex.EncodeToString(sum[:])
}

func containerID(pod types.UID, name string, restart int32) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s/%s/%d", pod, name, restart))
	return "containerd://" + hex.EncodeToString(sum[:])
}
