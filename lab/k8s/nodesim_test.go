package main

import (
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func testPod(annotations map[string]string) *v1.Pod {
	return &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web-1", Namespace: "shop", UID: "u1", Generation: 1, Annotations: annotations},
		Spec: v1.PodSpec{
			NodeName:       "node-a",
			InitContainers: []v1.Container{{Name: "migrate", Image: "busybox"}},
			Containers: []v1.Container{
				{Name: "web", Image: "nginx:1.27", Resources: v1.ResourceRequirements{
					Requests: v1.ResourceList{v1.ResourceMemory: resource.MustParse("128Mi")},
					Limits:   v1.ResourceList{v1.ResourceMemory: resource.MustParse("256Mi")},
				}},
				{Name: "agent", Image: "ghcr.io/acme/agent:v2"},
			},
		},
	}
}

func env(now time.Time, missing ...string) podEnv {
	return podEnv{now: now, hostIP: "10.1.2.3", podIP: "10.64.1.7", exists: func(kind, name string) bool {
		for _, m := range missing {
			if m == kind+"/"+name {
				return false
			}
		}
		return true
	}}
}

// step applies the desired status as the API server would store it and checks that a non-terminal
// pod then compares equal, so that node-sim does not update it again.
func step(t *testing.T, pod *v1.Pod, e podEnv) time.Duration {
	t.Helper()
	st, after := desiredPodStatus(pod, e)
	pod.Status = *st
	if podTerminal(pod) {
		return after
	}
	again, _ := desiredPodStatus(pod, e)
	if !equality.Semantic.DeepEqual(again, st) {
		t.Fatalf("status not stable at %s", e.now)
	}
	return after
}

func condition(pod *v1.Pod, ct v1.PodConditionType) v1.PodCondition {
	for _, c := range pod.Status.Conditions {
		if c.Type == ct {
			return c
		}
	}
	return v1.PodCondition{}
}

func TestRunningPod(t *testing.T) {
	pod := testPod(nil)
	if after := step(t, pod, env(t0)); after != 0 {
		t.Errorf("requeue %s, want none", after)
	}
	st := pod.Status
	if st.Phase != v1.PodRunning || st.PodIP != "10.64.1.7" || st.HostIP != "10.1.2.3" || !st.StartTime.Time.Equal(t0) {
		t.Fatalf("unexpected status %+v", st)
	}
	if st.QOSClass != v1.PodQOSBurstable {
		t.Errorf("qosClass %s", st.QOSClass)
	}
	for _, ct := range []v1.PodConditionType{v1.PodReadyToStartContainers, v1.PodInitialized, v1.ContainersReady, v1.PodReady, v1.PodScheduled} {
		if condition(pod, ct).Status != v1.ConditionTrue {
			t.Errorf("condition %s not True", ct)
		}
	}
	if names := []string{st.ContainerStatuses[0].Name, st.ContainerStatuses[1].Name}; names[0] != "agent" || names[1] != "web" {
		t.Errorf("container statuses not sorted: %v", names)
	}
	web := st.ContainerStatuses[1]
	if web.Image != "docker.io/library/nginx:1.27" || !strings.HasPrefix(web.ImageID, "docker.io/library/nginx@sha256:") ||
		len(web.ContainerID) != len("containerd://")+64 || !web.Ready || !*web.Started || web.State.Running == nil {
		t.Errorf("unexpected container status %+v", web)
	}
	if init := st.InitContainerStatuses[0]; init.State.Terminated == nil || init.State.Terminated.Reason != "Completed" {
		t.Errorf("init container not completed: %+v", init)
	}
}

func TestCrashLoop(t *testing.T) {
	for _, tc := range []struct {
		fault  string
		code   int32
		reason string
	}{{faultCrashLoop, 1, "Error"}, {faultOOM, 137, "OOMKilled"}} {
		pod := testPod(map[string]string{faultAnnotation: tc.fault})
		if after := step(t, pod, env(t0)); after != backOff {
			t.Errorf("%s: requeue %s, want %s", tc.fault, after, backOff)
		}
		web := pod.Status.ContainerStatuses[1]
		last := web.LastTerminationState.Terminated
		if pod.Status.Phase != v1.PodRunning || web.RestartCount != 1 || web.State.Waiting == nil ||
			web.State.Waiting.Reason != reasonCrashLoop || last == nil || last.ExitCode != tc.code || last.Reason != tc.reason {
			t.Fatalf("%s: unexpected status %+v", tc.fault, web)
		}
		if want := "back-off 10s restarting failed container=web pod=web-1_shop(u1)"; web.State.Waiting.Message != want {
			t.Errorf("message %q", web.State.Waiting.Message)
		}
		if c := condition(pod, v1.PodReady); c.Status != v1.ConditionFalse || c.Reason != "ContainersNotReady" {
			t.Errorf("%s: Ready condition %+v", tc.fault, c)
		}
		before := pod.Status.ContainerStatuses
		step(t, pod, env(t0.Add(4*time.Second)))
		if n := pod.Status.ContainerStatuses[1].RestartCount; n != 1 {
			t.Errorf("%s: restarted early: %d", tc.fault, n)
		}
		step(t, pod, env(t0.Add(backOff)))
		if n := pod.Status.ContainerStatuses[1].RestartCount; n != 2 {
			t.Errorf("%s: restartCount %d after back-off, want 2", tc.fault, n)
		}
		events := podEvents(pod, before, pod.Status.ContainerStatuses)
		if len(events) != 1 || events[0].reason != "BackOff" ||
			events[0].message != "Back-off restarting failed container web in pod web-1_shop(u1)" {
			t.Errorf("%s: events %+v", tc.fault, events)
		}
	}
}

func TestImagePull(t *testing.T) {
	pod := testPod(map[string]string{faultAnnotation: faultImagePull})
	step(t, pod, env(t0))
	w := pod.Status.ContainerStatuses[1].State.Waiting
	if pod.Status.Phase != v1.PodPending || w == nil || w.Reason != reasonErrPull ||
		!strings.HasPrefix(w.Message, `failed to pull and unpack image "docker.io/library/nginx:1.27"`) {
		t.Fatalf("unexpected status %+v", pod.Status)
	}
	before := pod.Status.ContainerStatuses
	step(t, pod, env(t0.Add(backOff/2+time.Second)))
	w = pod.Status.ContainerStatuses[1].State.Waiting
	if w.Reason != reasonPullBackOff || w.Message != `Back-off pulling image "nginx:1.27"` {
		t.Errorf("unexpected waiting state %+v", w)
	}
	if events := podEvents(pod, before, pod.Status.ContainerStatuses); len(events) != 1 || events[0].reason != "BackOff" {
		t.Errorf("events %+v", events)
	}
	// the second attempt comes after 10 s, the third 20 s later
	if step(t, pod, env(t0.Add(backOff))); pod.Status.ContainerStatuses[1].State.Waiting.Reason != reasonErrPull {
		t.Errorf("no second pull attempt at %s", backOff)
	}
	if step(t, pod, env(t0.Add(backOff+backOff/2+time.Second))); pod.Status.ContainerStatuses[1].State.Waiting.Reason != reasonPullBackOff {
		t.Errorf("second attempt did not back off")
	}
	if after := step(t, pod, env(t0.Add(backOff+backOff))); after != backOff {
		t.Errorf("third attempt due in %s, want %s", after, backOff)
	}
}

func TestBackOffDoubles(t *testing.T) {
	for n, want := range map[int32]time.Duration{0: 10 * time.Second, 1: 20 * time.Second, 4: 160 * time.Second, 5: 5 * time.Minute, 12: 5 * time.Minute} {
		if got := backOffAfter(n); got != want {
			t.Errorf("backOffAfter(%d) = %s, want %s", n, got, want)
		}
	}
}

func TestJobCompletes(t *testing.T) {
	pod := testPod(nil)
	pod.OwnerReferences = []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "Job", Name: "report", UID: types.UID("j")}}
	pod.Spec.RestartPolicy = v1.RestartPolicyOnFailure
	if after := step(t, pod, env(t0)); after != jobRunTime || pod.Status.Phase != v1.PodRunning {
		t.Fatalf("phase %s, requeue %s", pod.Status.Phase, after)
	}
	if after := step(t, pod, env(t0.Add(jobRunTime))); after != 0 || pod.Status.Phase != v1.PodSucceeded {
		t.Fatalf("phase %s, requeue %s", pod.Status.Phase, after)
	}
	for _, cs := range pod.Status.ContainerStatuses {
		if cs.Ready || cs.State.Terminated == nil || cs.State.Terminated.Reason != "Completed" || cs.State.Terminated.ExitCode != 0 {
			t.Errorf("container not completed: %+v", cs)
		}
	}
	if c := condition(pod, v1.PodReady); c.Status != v1.ConditionFalse || c.Reason != "PodCompleted" {
		t.Errorf("Ready condition %+v", c)
	}
}

func TestCrashWithRestartPolicyNeverFails(t *testing.T) {
	pod := testPod(map[string]string{faultAnnotation: faultCrashLoop})
	pod.Spec.Containers = pod.Spec.Containers[:1]
	pod.Spec.RestartPolicy = v1.RestartPolicyNever
	step(t, pod, env(t0))
	if pod.Status.Phase != v1.PodFailed || pod.Status.ContainerStatuses[0].State.Terminated.ExitCode != 1 {
		t.Fatalf("unexpected status %+v", pod.Status)
	}
}

func TestMissingConfig(t *testing.T) {
	pod := testPod(nil)
	pod.Spec.Containers[1].Env = []v1.EnvVar{{Name: "TOKEN", ValueFrom: &v1.EnvVarSource{
		SecretKeyRef: &v1.SecretKeySelector{LocalObjectReference: v1.LocalObjectReference{Name: "api-token"}, Key: "token"}}}}
	if after := step(t, pod, env(t0, "secret/api-token")); after != configRecheck {
		t.Errorf("requeue %s", after)
	}
	agent, web := pod.Status.ContainerStatuses[0], pod.Status.ContainerStatuses[1]
	if pod.Status.Phase != v1.PodPending || agent.State.Waiting == nil || agent.State.Waiting.Reason != reasonConfigError ||
		agent.State.Waiting.Message != `secret "api-token" not found` || web.State.Running == nil {
		t.Fatalf("unexpected status %+v", pod.Status)
	}
	if c := condition(pod, v1.PodReady); c.Message != "containers with unready status: [agent]" {
		t.Errorf("Ready condition %+v", c)
	}
	before := pod.Status.ContainerStatuses
	step(t, pod, env(t0.Add(configRecheck)))
	if pod.Status.Phase != v1.PodRunning {
		t.Errorf("pod did not start once the secret exists: %s", pod.Status.Phase)
	}
	if events := podEvents(pod, nil, before); len(events) != 1 || events[0].message != `Error: secret "api-token" not found` {
		t.Errorf("events %+v", events)
	}

	pod = testPod(nil)
	pod.Spec.Volumes = []v1.Volume{{Name: "cfg", VolumeSource: v1.VolumeSource{ConfigMap: &v1.ConfigMapVolumeSource{
		LocalObjectReference: v1.LocalObjectReference{Name: "opt"}, Optional: ptr.To(true)}}}}
	step(t, pod, env(t0, "configmap/opt"))
	if pod.Status.Phase != v1.PodRunning {
		t.Errorf("optional ConfigMap blocked the pod")
	}
}

func TestNodeStatus(t *testing.T) {
	node := &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-a"}}
	node.Status = *desiredNodeStatus(node, t0, true)
	if !nodeReady(&node.Status) || node.Status.Capacity.Pods().Value() != 110 || node.Status.NodeInfo.KubeletVersion != "v1.37.2" ||
		nodeIP(node) != derivedNodeIP("node-a") || node.Status.DaemonEndpoints.KubeletEndpoint.Port != 10250 {
		t.Fatalf("unexpected status %+v", node.Status)
	}
	if !equality.Semantic.DeepEqual(desiredNodeStatus(node, t0.Add(time.Second), false), &node.Status) {
		t.Error("status changes without a heartbeat")
	}

	node.Annotations = map[string]string{faultAnnotation: faultNotReady}
	t1 := t0.Add(10 * time.Second)
	node.Status = *desiredNodeStatus(node, t1, false)
	for _, c := range node.Status.Conditions {
		switch c.Type {
		case v1.NodeReady:
			if c.Status != v1.ConditionFalse || c.Reason != "KubeletNotReady" || !c.LastTransitionTime.Time.Equal(t1) {
				t.Errorf("Ready condition %+v", c)
			}
		case v1.NodeMemoryPressure:
			if !c.LastTransitionTime.Time.Equal(t0) || !c.LastHeartbeatTime.Time.Equal(t0) {
				t.Errorf("MemoryPressure condition changed: %+v", c)
			}
		}
	}
}

func TestUsageIsDeterministicAndBounded(t *testing.T) {
	for _, key := range []string{"a/b/c", "shop/web-1/web", "kube-system/coredns-x/coredns"} {
		r := cpuRate(key, 0.5)
		if r < 0.1 || r > 0.4 || r != cpuRate(key, 0.5) {
			t.Errorf("cpuRate(%s) = %v", key, r)
		}
		for m := range 120 {
			ws := memoryWorkingSet(key, 1000, t0.Add(time.Duration(m)*time.Minute))
			if ws < 400 || ws > 850 {
				t.Errorf("memoryWorkingSet(%s) = %v", key, ws)
			}
		}
	}
	if f := fillFraction(map[string]string{fillAnnotation: "92%"}, 0.3); f != 0.92 {
		t.Errorf("fillFraction = %v", f)
	}
	if f := fillFraction(nil, 0.3); f != 0.3 {
		t.Errorf("fillFraction default = %v", f)
	}
}

func TestIPAM(t *testing.T) {
	a := newIPAM()
	cidr := podCIDR(&v1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-a"}})
	seen := map[string]bool{}
	for i := range 110 {
		ip := a.allocate(types.UID(strings.Repeat("x", i)), cidr)
		if seen[ip] {
			t.Fatalf("duplicate IP %s", ip)
		}
		seen[ip] = true
	}
	if ip := a.allocate(types.UID(""), cidr); !seen[ip] {
		t.Error("allocation is not sticky")
	}
}
