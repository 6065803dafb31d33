package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/record"
	"k8s.io/component-helpers/storage/volume"
	"k8s.io/klog/v2"
	"k8s.io/utils/ptr"
)

// The test binary is also the container init when the runtime starts a container.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == containerInitCommand {
		os.Exit(runContainerInit(os.Args[2:]))
	}
	os.Exit(m.Run())
}

func moverPod(c v1.Container, volumes ...v1.Volume) *v1.Pod {
	return &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "backup-x1", Namespace: "shop", UID: "uid-1"},
		Spec:       v1.PodSpec{NodeName: "node-a", RestartPolicy: v1.RestartPolicyNever, Containers: []v1.Container{c}, Volumes: volumes},
	}
}

func envMap(env []string) map[string]string {
	m := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

func TestIsMoverPod(t *testing.T) {
	for image, want := range map[string]bool{"restic/restic:0.17.3": true, "docker.io/restic/restic:latest": true, "restic/restic": true,
		"nginx:1.27": false, "ghcr.io/restic/restic:0.17.3": false} {
		if got := isMoverPod(moverPod(v1.Container{Name: "c", Image: image})); got != want {
			t.Errorf("%s: mover %v, want %v", image, got, want)
		}
	}
}

func TestResolveEnvAsTheKubelet(t *testing.T) {
	client := fake.NewClientset(
		&v1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cfg", Namespace: "shop"}, Data: map[string]string{"LEVEL": "info", "REGION": "eu"}},
		&v1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "repo", Namespace: "shop"}, Data: map[string][]byte{"RESTIC_PASSWORD": []byte("s3cret"), "AWS_ACCESS_KEY_ID": []byte("AK")}},
	)
	c := v1.Container{Name: "restic", Image: "restic/restic:0.17.3",
		EnvFrom: []v1.EnvFromSource{
			{ConfigMapRef: &v1.ConfigMapEnvSource{LocalObjectReference: v1.LocalObjectReference{Name: "cfg"}}, Prefix: "APP_"},
			{SecretRef: &v1.SecretEnvSource{LocalObjectReference: v1.LocalObjectReference{Name: "repo"}}},
			{SecretRef: &v1.SecretEnvSource{LocalObjectReference: v1.LocalObjectReference{Name: "absent"}, Optional: ptr.To(true)}},
		},
		Env: []v1.EnvVar{
			{Name: "RESTIC_REPOSITORY", Value: "s3:http://127.0.0.1:9000/$(APP_REGION)"},
			{Name: "APP_LEVEL", Value: "debug"}, // a later entry wins
			{Name: "PW", ValueFrom: &v1.EnvVarSource{SecretKeyRef: &v1.SecretKeySelector{LocalObjectReference: v1.LocalObjectReference{Name: "repo"}, Key: "RESTIC_PASSWORD"}}},
			{Name: "REGION", ValueFrom: &v1.EnvVarSource{ConfigMapKeyRef: &v1.ConfigMapKeySelector{LocalObjectReference: v1.LocalObjectReference{Name: "cfg"}, Key: "REGION"}}},
			{Name: "OPT", ValueFrom: &v1.EnvVarSource{ConfigMapKeyRef: &v1.ConfigMapKeySelector{LocalObjectReference: v1.LocalObjectReference{Name: "cfg"}, Key: "NOPE", Optional: ptr.To(true)}}},
			{Name: "POD", ValueFrom: &v1.EnvVarSource{FieldRef: &v1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
		},
		Command: []string{"sh", "-c"}, Args: []string{"echo $(PW) $(UNDEFINED)"},
	}
	pod := moverPod(c)
	env, err := resolveEnv(context.Background(), client, pod, &c)
	if err != nil {
		t.Fatal(err)
	}
	got := envMap(env)
	want := map[string]string{"APP_LEVEL": "debug", "APP_REGION": "eu", "RESTIC_PASSWORD": "s3cret", "AWS_ACCESS_KEY_ID": "AK",
		"RESTIC_REPOSITORY": "s3:http://127.0.0.1:9000/eu", "PW": "s3cret", "REGION": "eu", "POD": "backup-x1", "HOME": "/root"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if _, ok := got["OPT"]; ok {
		t.Error("a missing optional key set OPT")
	}
	if !strings.HasPrefix(got["PATH"], resticDir+":") {
		t.Errorf("PATH %q does not start with the lab's restic", got["PATH"])
	}
	if argv := commandLine(&c, env); !slices.Equal(argv, []string{"sh", "-c", "echo s3cret $(UNDEFINED)"}) {
		t.Errorf("argv %q", argv)
	}
	if argv := commandLine(&v1.Container{Args: []string{"backup", "/data"}}, env); !slices.Equal(argv, []string{"restic", "backup", "/data"}) {
		t.Errorf("no command runs the image's entrypoint restic: %q", argv)
	}

	for name, c := range map[string]v1.Container{
		`secret "absent" not found`: {EnvFrom: []v1.EnvFromSource{{SecretRef: &v1.SecretEnvSource{LocalObjectReference: v1.LocalObjectReference{Name: "absent"}}}}},
		`couldn't find key NOPE in Secret shop/repo`: {Env: []v1.EnvVar{{Name: "X", ValueFrom: &v1.EnvVarSource{SecretKeyRef: &v1.SecretKeySelector{
			LocalObjectReference: v1.LocalObjectReference{Name: "repo"}, Key: "NOPE"}}}}},
		`configmap "gone" not found`: {Env: []v1.EnvVar{{Name: "X", ValueFrom: &v1.EnvVarSource{ConfigMapKeyRef: &v1.ConfigMapKeySelector{
			LocalObjectReference: v1.LocalObjectReference{Name: "gone"}, Key: "K"}}}}},
	} {
		_, err := resolveEnv(context.Background(), client, pod, &c)
		var cfg configError
		if !errors.As(err, &cfg) || err.Error() != name {
			t.Errorf("got %v, want the config error %q", err, name)
		}
	}
}

func boundClaim(dir string) (*v1.PersistentVolumeClaim, *v1.PersistentVolume) {
	pvc := &v1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: "data", Namespace: "shop"},
		Spec: v1.PersistentVolumeClaimSpec{VolumeName: "pvc-1"}, Status: v1.PersistentVolumeClaimStatus{Phase: v1.ClaimBound}}
	pv := &v1.PersistentVolume{ObjectMeta: metav1.ObjectMeta{Name: "pvc-1"}, Spec: v1.PersistentVolumeSpec{PersistentVolumeSource: v1.PersistentVolumeSource{
		CSI: &v1.CSIPersistentVolumeSource{Driver: "ebs.csi.aws.com", VolumeHandle: "h", VolumeAttributes: map[string]string{labPathAttribute: dir}}}}}
	return pvc, pv
}

func TestResolveMounts(t *testing.T) {
	data, work := t.TempDir(), t.TempDir()
	pvc, pv := boundClaim(data)
	client := fake.NewClientset(pvc, pv,
		&v1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "repo", Namespace: "shop"}, Data: map[string][]byte{"key": []byte("k1"), "other": []byte("o")}})
	c := v1.Container{Name: "restic", Image: "restic/restic:0.17.3", VolumeMounts: []v1.VolumeMount{
		{Name: "scratch", MountPath: "/data/scratch"},
		{Name: "data", MountPath: "/data"},
		{Name: "creds", MountPath: "/creds"},
	}}
	pod := moverPod(c,
		v1.Volume{Name: "data", VolumeSource: v1.VolumeSource{PersistentVolumeClaim: &v1.PersistentVolumeClaimVolumeSource{ClaimName: "data", ReadOnly: true}}},
		v1.Volume{Name: "scratch", VolumeSource: v1.VolumeSource{EmptyDir: &v1.EmptyDirVolumeSource{}}},
		v1.Volume{Name: "creds", VolumeSource: v1.VolumeSource{Secret: &v1.SecretVolumeSource{SecretName: "repo", Items: []v1.KeyToPath{{Key: "key", Path: "sub/k"}}}}},
	)
	mounts, err := resolveMounts(context.Background(), client, pod, &c, work)
	if err != nil {
		t.Fatal(err)
	}
	want := []mountSpec{
		{Source: data, Target: "/data", ReadOnly: true},
		{Source: filepath.Join(work, "creds"), Target: "/creds", ReadOnly: true},
		{Source: filepath.Join(work, "scratch"), Target: "/data/scratch"},
	}
	if !slices.Equal(mounts, want) {
		t.Fatalf("mounts %+v, want %+v", mounts, want)
	}
	if b, err := os.ReadFile(filepath.Join(work, "creds", "sub", "k")); err != nil || string(b) != "k1" {
		t.Errorf("secret item: %q %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(work, "creds", "other")); !os.IsNotExist(err) {
		t.Error("a key not among the items was written")
	}

	pvc.Spec.VolumeName, pvc.Status.Phase = "", v1.ClaimPending
	client = fake.NewClientset(pvc, pv)
	if _, err := resolveMounts(context.Background(), client, pod, &c, work); err == nil || !strings.Contains(err.Error(), "not bound") {
		t.Errorf("an unbound claim: %v", err)
	}
}

func TestMoverStatusFollowsTheProcess(t *testing.T) {
	pod := moverPod(v1.Container{Name: "restic", Image: "restic/restic:0.17.3"})
	pod.OwnerReferences = []metav1.OwnerReference{{Kind: "Job", Name: "backup"}}
	e := env(t0)

	e.real = map[string]containerRun{}
	st, _ := desiredPodStatus(pod, e)
	if st.Phase != v1.PodPending || st.ContainerStatuses[0].State.Waiting.Reason != "ContainerCreating" {
		t.Fatalf("before the start: %s %+v", st.Phase, st.ContainerStatuses[0].State)
	}
	started := metav1.NewTime(t0)
	e.real = map[string]containerRun{"restic": {id: "containerd://1", state: v1.ContainerState{Running: &v1.ContainerStateRunning{StartedAt: started}}}}
	pod.Status = *st
	// running long past the simulated job time: only the process ends it
	e.now = t0.Add(time.Hour)
	st, _ = desiredPodStatus(pod, e)
	if st.Phase != v1.PodRunning || !st.ContainerStatuses[0].Ready {
		t.Fatalf("running: %s", st.Phase)
	}
	for code, want := range map[int32]v1.PodPhase{0: v1.PodSucceeded, 1: v1.PodFailed, 137: v1.PodFailed} {
		reason := "Error"
		if code == 0 {
			reason = "Completed"
		}
		e.real = map[string]containerRun{"restic": {id: "containerd://1", state: v1.ContainerState{Terminated: &v1.ContainerStateTerminated{
			ExitCode: code, Reason: reason, StartedAt: started, FinishedAt: metav1.NewTime(t0.Add(time.Minute)), ContainerID: "containerd://1"}}}}
		st, _ = desiredPodStatus(pod, e)
		term := st.ContainerStatuses[0].State.Terminated
		if st.Phase != want || term == nil || term.ExitCode != code || term.Reason != reason {
			t.Errorf("exit %d: phase %s, state %+v", code, st.Phase, st.ContainerStatuses[0].State)
		}
	}
}

// TestRunsAContainerForReal starts a container as node-sim does: its own mount namespace, the
// claim bound read-only at its mountPath, env from a Secret, output in the log, exit code kept.
func TestRunsAContainerForReal(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the runtime needs root (mount namespaces)")
	}
	data, pods := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(data, "hello.txt"), []byte("hello from the volume\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pvc, pv := boundClaim(data)
	secret := &v1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "repo", Namespace: "shop"}, Data: map[string][]byte{"GREETING": []byte("hi")}}
	client := fake.NewClientset(pvc, pv, secret)
	c := v1.Container{Name: "restic", Image: "restic/restic:0.17.3",
		Command:      []string{"sh", "-c", `cat /data/hello.txt; echo "$GREETING from $(pwd)"; touch /data/x 2>/dev/null || echo read-only; echo oops >&2; exit 3`},
		EnvFrom:      []v1.EnvFromSource{{SecretRef: &v1.SecretEnvSource{LocalObjectReference: v1.LocalObjectReference{Name: "repo"}}}},
		VolumeMounts: []v1.VolumeMount{{Name: "data", MountPath: "/data", ReadOnly: true}},
	}
	pod := moverPod(c, v1.Volume{Name: "data", VolumeSource: v1.VolumeSource{PersistentVolumeClaim: &v1.PersistentVolumeClaimVolumeSource{ClaimName: "data"}}})
	var notified atomic.Int32
	s := &nodeSim{client: client}
	s.runtime = newRuntime(pods, "", func(string) { notified.Add(1) })
	r := s.runtime.ensure(s, pod)
	select {
	case <-r.done:
	case <-time.After(30 * time.Second):
		t.Fatal("the container did not finish")
	}
	run := r.snapshot()["restic"]
	if term := run.state.Terminated; term == nil || term.ExitCode != 3 || term.Reason != "Error" {
		t.Fatalf("state %+v", run.state)
	}
	lines, _, err := readLogLines(r.logPath("restic", 0))
	if err != nil {
		t.Fatal(err)
	}
	var text []string
	for _, l := range lines {
		if l.at.IsZero() {
			t.Errorf("line without a time: %q", l.text)
		}
		text = append(text, strings.TrimSuffix(l.text, "\n"))
	}
	if want := []string{"hello from the volume", "hi from /", "read-only", "oops"}; !slices.Equal(text, want) {
		t.Errorf("log %q, want %q", text, want)
	}
	if _, err := os.Stat(filepath.Join(data, "x")); !os.IsNotExist(err) {
		t.Error("the read-only mount was written")
	}
	if notified.Load() == 0 {
		t.Error("no status change was notified")
	}
	s.runtime.stop(pod.UID, time.Second)
	if _, err := os.Stat(r.dir); !os.IsNotExist(err) {
		t.Error("the pod directory is left after the pod is gone")
	}
}

func TestProvisioner(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	wffc := storagev1.VolumeBindingWaitForFirstConsumer
	class := &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "gp3"}, Provisioner: "ebs.csi.aws.com",
		Parameters: map[string]string{"type": "gp3"}, VolumeBindingMode: &wffc, ReclaimPolicy: ptr.To(v1.PersistentVolumeReclaimDelete)}
	claim := &v1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "data", Namespace: "shop", UID: "c1", Annotations: map[string]string{volume.AnnStorageProvisioner: "ebs.csi.aws.com"}},
		Spec: v1.PersistentVolumeClaimSpec{StorageClassName: ptr.To("gp3"), AccessModes: []v1.PersistentVolumeAccessMode{v1.ReadWriteOnce},
			Resources: v1.VolumeResourceRequirements{Requests: v1.ResourceList{v1.ResourceStorage: resource.MustParse("1Gi")}}},
	}
	client := fake.NewClientset(class, claim)
	p := newProvisioner(client, []string{"ebs.csi.aws.com", "disk.csi.azure.com"}, dir)
	p.recorder = record.NewFakeRecorder(10)
	f := informers.NewSharedInformerFactory(client, 0)
	p.claims, p.volumes, p.classes = f.Core().V1().PersistentVolumeClaims().Lister(), f.Core().V1().PersistentVolumes().Lister(), f.Storage().V1().StorageClasses().Lister()
	stop := make(chan struct{})
	defer close(stop)
	f.Start(stop)
	f.WaitForCacheSync(stop)

	if err := p.provision(ctx, claim); err != nil {
		t.Fatal(err)
	}
	if list, _ := client.CoreV1().PersistentVolumes().List(ctx, metav1.ListOptions{}); len(list.Items) != 0 {
		t.Fatal("provisioned before the scheduler selected a node (WaitForFirstConsumer)")
	}
	claim.Annotations[annSelectedNode] = "node-a"
	if err := p.provision(ctx, claim); err != nil {
		t.Fatal(err)
	}
	pv, err := client.CoreV1().PersistentVolumes().Get(ctx, "pvc-c1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	path := pv.Spec.CSI.VolumeAttributes[labPathAttribute]
	if path != filepath.Join(dir, "pvc-c1") || pv.Spec.CSI.Driver != "ebs.csi.aws.com" || pv.Spec.ClaimRef.UID != "c1" ||
		pv.Spec.StorageClassName != "gp3" || !pv.Spec.Capacity.Storage().Equal(resource.MustParse("1Gi")) || pv.Annotations[annProvisionedBy] != "ebs.csi.aws.com" {
		t.Fatalf("pv %+v", pv.Spec)
	}
	if st, err := os.Stat(path); err != nil || !st.IsDir() {
		t.Fatalf("the volume's directory: %v", err)
	}
	if err := os.WriteFile(filepath.Join(path, "f"), make([]byte, 10000), 0o644); err != nil {
		t.Fatal(err)
	}
	u, err := measureDir(path)
	if err != nil || u.used < 10000 || u.inodesUsed != 2 || u.inodes == 0 {
		t.Errorf("usage %+v %v", u, err)
	}

	// other drivers' claims are not ours
	other := claim.DeepCopy()
	other.Name, other.UID, other.Annotations[volume.AnnStorageProvisioner] = "other", "c2", "pd.csi.storage.gke.io"
	if err := p.provision(ctx, other); err != nil {
		t.Fatal(err)
	}
	if _, err := client.CoreV1().PersistentVolumes().Get(ctx, "pvc-c2", metav1.GetOptions{}); err == nil {
		t.Error("provisioned a claim of another driver")
	}

	// released with reclaim policy Delete: the directory goes, then the volume
	pv.Status.Phase = v1.VolumeReleased
	if _, err := client.CoreV1().PersistentVolumes().UpdateStatus(ctx, pv, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		got, err := p.volumes.Get(pv.Name)
		return err == nil && got.Status.Phase == v1.VolumeReleased
	})
	if err := p.syncVolume(ctx, pv.Name); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Error("the directory of a deleted volume is left")
	}
	if _, err := client.CoreV1().PersistentVolumes().Get(ctx, pv.Name, metav1.GetOptions{}); err == nil {
		t.Error("the released volume was not deleted")
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not met in 5 s")
}

func TestLogs(t *testing.T) {
	var b strings.Builder
	l := &lineStamper{w: &b}
	_, _ = l.Write([]byte("one\ntw"))
	_, _ = l.Write([]byte("o\nthree"))
	l.flush()
	var got []string
	for _, raw := range strings.SplitAfter(b.String(), "\n") {
		if raw != "" {
			got = append(got, parseLogLine(raw).text)
		}
	}
	if !slices.Equal(got, []string{"one\n", "two\n", "three\n"}) {
		t.Errorf("lines %q", got)
	}
	o, err := parseLogOptions(map[string][]string{"tailLines": {"5"}, "follow": {"true"}, "limitBytes": {"100"}})
	if err != nil || o.tail != 5 || !o.follow || o.limitBytes != 100 {
		t.Errorf("options %+v %v", o, err)
	}
	if _, err := parseLogOptions(map[string][]string{"tailLines": {"-1"}}); err == nil {
		t.Error("a negative tailLines was accepted")
	}

	pod := testPod(nil)
	st, _ := desiredPodStatus(pod, env(t0))
	cs, _ := findContainerStatus(&v1.Pod{Status: *st}, "web")
	lines := simulatedLog(pod, cs, false)
	if len(lines) != 2 || !strings.Contains(lines[0].text, "nginx:1.27") {
		t.Errorf("simulated log %+v", lines)
	}
}

func TestPruneRemovesTheDirectoriesOfGonePods(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"shop_backup-a_uid-live", "shop_backup-b_uid-gone", "not-a-pod"} {
		if err := os.MkdirAll(filepath.Join(dir, name, "logs"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	newRuntime(dir, "", func(string) {}).prune(map[types.UID]bool{"uid-live": true})
	entries, _ := os.ReadDir(dir)
	var left []string
	for _, e := range entries {
		left = append(left, e.Name())
	}
	if !slices.Equal(left, []string{"not-a-pod", "shop_backup-a_uid-live"}) {
		t.Errorf("left %q", left)
	}
}

// TestFollowGoesOnWhereTheFirstReadEnded: a line the container wrote between the first read of
// its log and the start of following reaches the follower.
func TestFollowGoesOnWhereTheFirstReadEnded(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "0.log")
	l := &lineStamper{w: nil}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	l.w = f
	_, _ = l.Write([]byte("one\n"))
	lines, offset, err := readLogLines(path)
	if err != nil || len(lines) != 1 {
		t.Fatalf("first read %d lines, %v", len(lines), err)
	}
	_, _ = l.Write([]byte("two\n")) // written before the follower opens the file
	k := &kubeletServer{s: &nodeSim{runtime: newRuntime(dir, "", func(string) {})}}
	pod := &v1.Pod{ObjectMeta: metav1.ObjectMeta{UID: "uid-1"}}
	var got []string
	k.follow(httptest.NewRequest(http.MethodGet, "/", nil), pod, "restic", path, offset, func(ls []logLine) bool {
		for _, l := range ls {
			got = append(got, l.text)
		}
		return true
	})
	if !slices.Equal(got, []string{"two\n"}) {
		t.Errorf("followed %q", got)
	}
}

// TestNodeSimLogKeepsNoSecret: a container's args that name a Secret's value ($(VAR), expanded
// for the process) are logged by node-sim as the pod spec has them, not expanded.
func TestNodeSimLogKeepsNoSecret(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the runtime needs root (mount namespaces)")
	}
	var logged bytes.Buffer
	klog.LogToStderr(false)
	klog.SetOutput(&logged)
	defer func() {
		klog.Flush()
		klog.SetOutput(os.Stderr)
		klog.LogToStderr(true)
	}()
	secret := &v1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "repo", Namespace: "shop"}, Data: map[string][]byte{"RESTIC_PASSWORD": []byte("hunter2-very-secret")}}
	s := &nodeSim{client: fake.NewClientset(secret)}
	s.runtime = newRuntime(t.TempDir(), "", func(string) {})
	pod := moverPod(v1.Container{Name: "restic", Image: "restic/restic:0.17.3", Command: []string{"sh", "-c", `test "$1" = "$RESTIC_PASSWORD"`, "sh", "$(RESTIC_PASSWORD)"},
		EnvFrom: []v1.EnvFromSource{{SecretRef: &v1.SecretEnvSource{LocalObjectReference: v1.LocalObjectReference{Name: "repo"}}}}})
	r := s.runtime.ensure(s, pod)
	select {
	case <-r.done:
	case <-time.After(30 * time.Second):
		t.Fatal("the container did not finish")
	}
	if term := r.snapshot()["restic"].state.Terminated; term == nil || term.ExitCode != 0 {
		t.Fatalf("the process did not get the expanded argument: %+v", r.snapshot()["restic"].state)
	}
	s.runtime.stop(pod.UID, time.Second)
	klog.Flush()
	if !strings.Contains(logged.String(), "$(RESTIC_PASSWORD)") || strings.Contains(logged.String(), "hunter2") {
		t.Errorf("node-sim logged %s", logged.String())
	}
}
