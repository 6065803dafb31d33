package main

// A minimal container runtime for volume movers: a pod with a restic/restic image runs its
// containers for real, as local processes in their own mount namespace (see nodesim_init.go),
// with the pod's volumes bind-mounted and its env resolved as the kubelet does
// (nodesim_volumes.go). Every other pod stays simulated.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
	"k8s.io/utils/ptr"
)

const (
	moverRepository = "docker.io/restic/restic"
	faultKill       = "kill" // pod annotation: SIGKILL the pod's running processes once
	stopGrace       = 10 * time.Second
	maxLogLine      = 16 << 10
)

// isMoverPod reports whether the pod runs for real: one of its containers uses the mover image.
func isMoverPod(pod *v1.Pod) bool {
	for _, list := range [][]v1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for _, c := range list {
			if _, repo := normalizeImage(c.Image); repo == moverRepository {
				return true
			}
		}
	}
	return false
}

// moverRuntime keeps the pods node-sim really runs, by UID.
type moverRuntime struct {
	dir    string // per pod: logs, the container root and non-PVC volumes
	restic string // the lab's restic binary ("" until found)
	notify func(key string)

	mu   sync.Mutex
	pods map[types.UID]*podRun
}

func newRuntime(dir, restic string, notify func(string)) *moverRuntime {
	return &moverRuntime{dir: dir, restic: restic, notify: notify, pods: map[types.UID]*podRun{}}
}

// containerRun is what a container has done so far, as its status reports it.
type containerRun struct {
	restarts int32
	state    v1.ContainerState
	last     *v1.ContainerStateTerminated
	id       string
}

type podRun struct {
	key    string
	uid    types.UID
	dir    string
	cancel context.CancelFunc
	done   chan struct{}

	mu         sync.Mutex
	containers map[string]*containerRun
	procs      map[string]*os.Process // running, by container
	killed     map[string]bool        // by the kill fault, so the exit is reported as such
}

// snapshot is the containers' state for desiredPodStatus.
func (r *podRun) snapshot() map[string]containerRun {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]containerRun, len(r.containers))
	for name, c := range r.containers {
		cp := *c
		cp.state = *c.state.DeepCopy()
		out[name] = cp
	}
	return out
}

func (r *podRun) set(name string, update func(c *containerRun)) {
	r.mu.Lock()
	c, ok := r.containers[name]
	if !ok {
		c = &containerRun{}
		r.containers[name] = c
	}
	update(c)
	r.mu.Unlock()
}

// logPath is where a container's output of one run is kept (like /var/log/pods).
func (r *podRun) logPath(container string, restart int32) string {
	return filepath.Join(r.dir, "logs", container, fmt.Sprintf("%d.log", restart))
}

// get returns the run of a pod, if node-sim runs it.
func (rt *moverRuntime) get(uid types.UID) *podRun {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.pods[uid]
}

// ensure starts running the pod unless it already runs. A pod that had run before node-sim
// started (the processes died with the previous node-sim) reports its lost containers as the
// kubelet does and runs them again only if its restart policy says so.
func (rt *moverRuntime) ensure(s *nodeSim, pod *v1.Pod) *podRun {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if r, ok := rt.pods[pod.UID]; ok {
		return r
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &podRun{
		key:        cache.MetaObjectToName(pod).String(),
		uid:        pod.UID,
		dir:        rt.podDir(pod),
		cancel:     cancel,
		done:       make(chan struct{}),
		containers: map[string]*containerRun{},
		procs:      map[string]*os.Process{},
		killed:     map[string]bool{},
	}
	for _, cs := range slices.Concat(pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses) {
		c := &containerRun{restarts: cs.RestartCount, last: cs.LastTerminationState.Terminated, id: cs.ContainerID}
		switch {
		case cs.State.Terminated != nil:
			c.state.Terminated = cs.State.Terminated
		case cs.State.Running != nil:
			c.state.Terminated = &v1.ContainerStateTerminated{ExitCode: 137, Reason: "ContainerStatusUnknown",
				Message:   "The container could not be located when the pod was terminated",
				StartedAt: cs.State.Running.StartedAt, FinishedAt: metav1.Now(), ContainerID: cs.ContainerID}
		default:
			continue
		}
		r.containers[cs.Name] = c
	}
	rt.pods[pod.UID] = r
	go func() {
		defer close(r.done)
		rt.runPod(ctx, s, pod.DeepCopy(), r)
	}()
	return r
}

// prune removes the directories of pods that are gone (deleted while node-sim was not running).
// Namespace and pod names hold no "_", so a directory's name splits into the three.
func (rt *moverRuntime) prune(live map[types.UID]bool) {
	entries, err := os.ReadDir(rt.dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		parts := strings.Split(e.Name(), "_")
		if !e.IsDir() || len(parts) != 3 || live[types.UID(parts[2])] {
			continue
		}
		if err := os.RemoveAll(filepath.Join(rt.dir, e.Name())); err != nil {
			klog.ErrorS(err, "removing the directory of a deleted pod", "dir", e.Name())
		}
	}
}

// stop kills the pod's processes (TERM, then KILL after the grace period) and waits for them.
func (rt *moverRuntime) stop(uid types.UID, grace time.Duration) {
	rt.mu.Lock()
	r, ok := rt.pods[uid]
	delete(rt.pods, uid)
	rt.mu.Unlock()
	if !ok {
		return
	}
	r.cancel()
	r.signal(syscall.SIGTERM)
	select {
	case <-r.done:
	case <-time.After(grace):
		r.signal(syscall.SIGKILL)
		<-r.done
	}
	if err := os.RemoveAll(r.dir); err != nil {
		klog.ErrorS(err, "removing pod directory", "pod", r.key)
	}
}

// stopAll ends every run, as node-sim stops.
func (rt *moverRuntime) stopAll() {
	rt.mu.Lock()
	uids := make([]types.UID, 0, len(rt.pods))
	for uid := range rt.pods {
		uids = append(uids, uid)
	}
	rt.mu.Unlock()
	var wg sync.WaitGroup
	for _, uid := range uids {
		wg.Go(func() { rt.stop(uid, stopGrace) })
	}
	wg.Wait()
}

// signal sends sig to the process group of each running container.
func (r *podRun) signal(sig syscall.Signal) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.procs {
		_ = syscall.Kill(-p.Pid, sig)
	}
}

// kill is the kill fault: it SIGKILLs the running containers and reports how many it hit.
func (r *podRun) kill() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	for name, p := range r.procs {
		r.killed[name] = true
		_ = syscall.Kill(-p.Pid, syscall.SIGKILL)
	}
	return len(r.procs)
}

func (rt *moverRuntime) runPod(ctx context.Context, s *nodeSim, pod *v1.Pod, r *podRun) {
	policy := pod.Spec.RestartPolicy
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		if c.RestartPolicy != nil && *c.RestartPolicy == v1.ContainerRestartPolicyAlways {
			go rt.runContainer(ctx, s, pod, r, c, v1.RestartPolicyAlways) // a sidecar
			continue
		}
		if !rt.runContainer(ctx, s, pod, r, c, initPolicy(policy)) {
			return
		}
	}
	var wg sync.WaitGroup
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		wg.Go(func() { rt.runContainer(ctx, s, pod, r, c, policy) })
	}
	wg.Wait()
}

// initPolicy: init containers of a pod that restarts Always are retried on failure like OnFailure.
func initPolicy(p v1.RestartPolicy) v1.RestartPolicy {
	if p == v1.RestartPolicyAlways {
		return v1.RestartPolicyOnFailure
	}
	return p
}

// runContainer runs a container until the restart policy lets it rest, and reports whether it
// ended with success. A container that ended before node-sim started is only restarted.
func (rt *moverRuntime) runContainer(ctx context.Context, s *nodeSim, pod *v1.Pod, r *podRun, c *v1.Container, policy v1.RestartPolicy) bool {
	for failures := int32(0); ; failures++ {
		if prev, ok := r.snapshot()[c.Name]; ok && prev.state.Terminated != nil {
			code := prev.state.Terminated.ExitCode
			if code == 0 && policy != v1.RestartPolicyAlways || code != 0 && policy == v1.RestartPolicyNever {
				return code == 0
			}
			delay := backOffAfter(failures)
			r.nextRestart(c.Name, fmt.Sprintf("back-off %s restarting failed container=%s pod=%s_%s(%s)", delay, c.Name, pod.Name, pod.Namespace, pod.UID))
			rt.notify(r.key)
			if !sleepCtx(ctx, delay) {
				return false
			}
		}
		if _, err := rt.runOnce(ctx, s, pod, r, c); err != nil { // canceled: the pod is being deleted
			return false
		}
	}
}

// runOnce prepares the container (waiting while its config cannot be resolved), runs it once
// and records its exit. The error is set only when ctx ended first.
func (rt *moverRuntime) runOnce(ctx context.Context, s *nodeSim, pod *v1.Pod, r *podRun, c *v1.Container) (int32, error) {
	var spec *containerSpecFile
	for {
		var err error
		if spec, err = rt.prepare(ctx, s, pod, r, c); err == nil {
			break
		}
		var cfg configError
		reason, message := "CreateContainerError", err.Error()
		if errors.As(err, &cfg) {
			reason = reasonConfigError
		}
		r.set(c.Name, func(cr *containerRun) {
			cr.state = v1.ContainerState{Waiting: &v1.ContainerStateWaiting{Reason: reason, Message: message}}
		})
		rt.notify(r.key)
		if !sleepCtx(ctx, configRecheck) {
			return 0, ctx.Err()
		}
	}

	restart := int32(0)
	if prev, ok := r.snapshot()[c.Name]; ok {
		restart = prev.restarts
	}
	id := containerID(pod.UID, c.Name, restart)
	logFile, err := openLog(r.logPath(c.Name, restart))
	if err != nil {
		return rt.exited(r, c.Name, id, metav1.Now(), 128, "StartError", err.Error()), nil
	}
	defer logFile.Close()
	out := &lineStamper{w: logFile}

	specPath := filepath.Join(r.dir, "spec-"+c.Name+".json")
	if err := writeJSON(specPath, spec); err != nil {
		return rt.exited(r, c.Name, id, metav1.Now(), 128, "StartError", err.Error()), nil
	}
	defer os.Remove(specPath) // it holds the resolved env, secrets included
	self, err := os.Executable()
	if err != nil {
		return rt.exited(r, c.Name, id, metav1.Now(), 128, "StartError", err.Error()), nil
	}
	cmd := exec.Command(self, containerInitCommand, specPath)
	cmd.Env = spec.Env
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Unshareflags: syscall.CLONE_NEWNS, // Go then makes / private in the child, so mounts stay inside
		Setpgid:      true,
		Pdeathsig:    syscall.SIGKILL,
	}
	started := metav1.Now()
	r.mu.Lock()
	if ctx.Err() != nil {
		r.mu.Unlock()
		return 0, ctx.Err()
	}
	err = cmd.Start()
	if err == nil {
		r.procs[c.Name] = cmd.Process
	}
	r.mu.Unlock()
	if err != nil {
		return rt.exited(r, c.Name, id, started, 128, "StartError", err.Error()), nil
	}
	// the command as the pod has it: expanded, its $(VAR)s may hold a Secret's values
	klog.InfoS("mover container started", "pod", r.key, "container", c.Name, "pid", cmd.Process.Pid, "command", c.Command, "args", c.Args)
	r.set(c.Name, func(cr *containerRun) {
		cr.id = id
		cr.state = v1.ContainerState{Running: &v1.ContainerStateRunning{StartedAt: started}}
	})
	rt.notify(r.key)

	waitErr := cmd.Wait()
	out.flush()
	r.mu.Lock()
	delete(r.procs, c.Name)
	killed := r.killed[c.Name]
	delete(r.killed, c.Name)
	r.mu.Unlock()
	code := exitCode(cmd.ProcessState, waitErr)
	reason, message := "Completed", ""
	if code != 0 {
		reason = "Error"
	}
	if killed {
		message = "killed by the lab's kill fault"
	}
	klog.InfoS("mover container exited", "pod", r.key, "container", c.Name, "exitCode", code)
	if ctx.Err() != nil {
		return code, ctx.Err()
	}
	return rt.exited(r, c.Name, id, started, code, reason, message), nil
}

func (rt *moverRuntime) exited(r *podRun, container, id string, started metav1.Time, code int32, reason, message string) int32 {
	finished := metav1.Now()
	r.set(container, func(cr *containerRun) {
		cr.id = id
		cr.state = v1.ContainerState{Terminated: &v1.ContainerStateTerminated{ExitCode: code, Reason: reason, Message: message,
			StartedAt: started, FinishedAt: finished, ContainerID: id}}
	})
	rt.notify(r.key)
	return code
}

// nextRestart moves a terminated container to its back-off before the next run.
func (r *podRun) nextRestart(container, message string) {
	r.set(container, func(cr *containerRun) {
		if cr.state.Terminated != nil {
			cr.last, cr.restarts = cr.state.Terminated, cr.restarts+1
			cr.state = v1.ContainerState{Waiting: &v1.ContainerStateWaiting{Reason: reasonCrashLoop, Message: message}}
		}
	})
}

func exitCode(st *os.ProcessState, err error) int32 {
	if st == nil {
		if err != nil {
			return 128
		}
		return 0
	}
	if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int32(ws.Signal())
	}
	return int32(st.ExitCode())
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func openLog(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	return os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
}

// lineStamper writes each line prefixed with the time it began, as the CRI log format keeps it
// (without its stream and tag fields: stdout and stderr share one pipe, in order).
type lineStamper struct {
	mu      sync.Mutex
	w       io.Writer
	partial []byte
	at      time.Time
}

func (l *lineStamper) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		if len(l.partial) == 0 {
			l.at = time.Now()
		}
		i := slices.Index(p, '\n')
		if i < 0 {
			l.partial = append(l.partial, p...)
			if len(l.partial) >= maxLogLine { // as the CRI splits long lines
				if err := l.emit(); err != nil {
					return n, err
				}
			}
			break
		}
		l.partial = append(l.partial, p[:i+1]...)
		p = p[i+1:]
		if err := l.emit(); err != nil {
			return n, err
		}
	}
	return n, nil
}

func (l *lineStamper) emit() error {
	line := l.partial
	if !strings.HasSuffix(string(line), "\n") {
		line = append(line, '\n')
	}
	_, err := fmt.Fprintf(l.w, "%s %s", l.at.UTC().Format(time.RFC3339Nano), line)
	l.partial = l.partial[:0]
	return err
}

// flush writes a last line that did not end in a newline.
func (l *lineStamper) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.partial) > 0 {
		_ = l.emit()
	}
}

// logLine is one line of a container log file.
type logLine struct {
	at   time.Time
	text string // with its newline
}

func parseLogLine(raw string) logLine {
	ts, text, ok := strings.Cut(raw, " ")
	at, err := time.Parse(time.RFC3339Nano, ts)
	if !ok || err != nil {
		return logLine{text: raw}
	}
	return logLine{at: at, text: text}
}

// readLogLines reads a log's complete lines, and where they end (a follower goes on from there).
func readLogLines(path string) ([]logLine, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	var lines []logLine
	var end int64
	rd := bufio.NewReader(f)
	for {
		raw, err := rd.ReadString('\n')
		if raw != "" && strings.HasSuffix(raw, "\n") {
			lines = append(lines, parseLogLine(raw))
			end += int64(len(raw))
		}
		if err != nil {
			return lines, end, nil
		}
	}
}

// realContainerStatus is the status of a container node-sim runs.
func realContainerStatus(cs *v1.ContainerStatus, c *v1.Container, run containerRun, found bool, waitingReason string) {
	if !found {
		cs.State.Waiting = &v1.ContainerStateWaiting{Reason: waitingReason}
		return
	}
	cs.RestartCount = run.restarts
	cs.LastTerminationState = v1.ContainerState{}
	if run.last != nil {
		cs.LastTerminationState.Terminated = run.last.DeepCopy()
	}
	cs.State = *run.state.DeepCopy()
	if run.id != "" || cs.State.Waiting == nil {
		cs.Image, cs.ImageID = pulledImage(c.Image)
		cs.ContainerID = run.id
	}
	if cs.State.Running != nil {
		cs.Ready, cs.Started = true, ptr.To(true)
	}
}
