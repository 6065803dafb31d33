package main

// Container logs as the kubelet serves them (GET /containerLogs/{ns}/{pod}/{container}): a real
// container's output as it ran, a simulated container's messages made from its status.

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// logOptions are the kubelet's query parameters for container logs.
type logOptions struct {
	follow, previous, timestamps bool
	tail                         int // -1: all
	limitBytes                   int64
	since                        time.Time
}

func parseLogOptions(q map[string][]string) (logOptions, error) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	o := logOptions{follow: get("follow") == "true", previous: get("previous") == "true", timestamps: get("timestamps") == "true", tail: -1}
	if v := get("tailLines"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return o, fmt.Errorf("tailLines: %q is not a non-negative number", v)
		}
		o.tail = n
	}
	if v := get("limitBytes"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return o, fmt.Errorf("limitBytes: %q is not a positive number", v)
		}
		o.limitBytes = n
	}
	if v := get("sinceSeconds"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return o, fmt.Errorf("sinceSeconds: %q is not a positive number", v)
		}
		o.since = time.Now().Add(-time.Duration(n) * time.Second)
	}
	if v := get("sinceTime"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return o, fmt.Errorf("sinceTime: %w", err)
		}
		o.since = t
	}
	return o, nil
}

func (k *kubeletServer) containerLogs(w http.ResponseWriter, r *http.Request) {
	ns, name, container := r.PathValue("namespace"), r.PathValue("pod"), r.PathValue("container")
	opts, err := parseLogOptions(r.URL.Query())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	pod, err := k.s.pods.Pods(ns).Get(name)
	if err != nil {
		http.Error(w, fmt.Sprintf("pod %q not found in namespace %q on this node", name, ns), http.StatusNotFound)
		return
	}
	cs, ok := findContainerStatus(pod, container)
	if !ok {
		http.Error(w, fmt.Sprintf("container %q in pod %q is not available", container, name), http.StatusBadRequest)
		return
	}
	var lines []logLine
	var path string
	var offset int64
	switch {
	case opts.previous && cs.LastTerminationState.Terminated == nil:
		http.Error(w, fmt.Sprintf("previous terminated container %q in pod %q not found", container, name), http.StatusBadRequest)
		return
	case !opts.previous && cs.State.Waiting != nil && cs.LastTerminationState.Terminated == nil:
		http.Error(w, fmt.Sprintf("container %q in pod %q is waiting to start: %s", container, name, cs.State.Waiting.Reason), http.StatusBadRequest)
		return
	case isMoverPod(pod):
		restart := cs.RestartCount
		if opts.previous || cs.State.Waiting != nil {
			restart--
		}
		path = k.s.runtime.logPathOf(pod, container, restart)
		if lines, offset, err = readLogLines(path); err != nil {
			http.Error(w, fmt.Sprintf("container %q in pod %q: log not found: %v", container, name, err), http.StatusNotFound)
			return
		}
	default:
		lines = simulatedLog(pod, cs, opts.previous)
		opts.follow = false // a simulated container says nothing new
	}

	w.Header().Set("Content-Type", "text/plain")
	lw := &limitedWriter{w: w, left: opts.limitBytes}
	write := func(ls []logLine) bool {
		for _, l := range ls {
			if !opts.since.IsZero() && l.at.Before(opts.since) {
				continue
			}
			text := l.text
			if opts.timestamps {
				text = l.at.UTC().Format(time.RFC3339Nano) + " " + text
			}
			if _, err := io.WriteString(lw, text); err != nil {
				return false
			}
		}
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		return true
	}
	if opts.tail >= 0 && len(lines) > opts.tail {
		lines = lines[len(lines)-opts.tail:]
	}
	if !write(lines) || !opts.follow {
		return
	}
	k.follow(r, pod, container, path, offset, write)
}

// follow streams the lines the container adds to its log after offset (where the first read
// ended, so that no line written in between is lost) until it stops running.
func (k *kubeletServer) follow(r *http.Request, pod *v1.Pod, container, path string, offset int64, write func([]logLine) bool) {
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return
	}
	rd := bufio.NewReader(f)
	var partial string
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		// asked before reading: a container that ends after this flushed its last lines before
		// its exit was recorded, so they are read now; asked after, they could be missed
		running := k.s.runtime.running(pod.UID, container)
		var batch []logLine
		for {
			s, err := rd.ReadString('\n')
			partial += s
			if err != nil {
				break
			}
			batch = append(batch, parseLogLine(partial))
			partial = ""
		}
		if len(batch) > 0 && !write(batch) {
			return
		}
		if !running {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
		}
	}
}

type limitedWriter struct {
	w    io.Writer
	left int64 // 0: no limit
	used int64
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.left > 0 {
		if l.used >= l.left {
			return 0, io.EOF
		}
		if rest := l.left - l.used; int64(len(p)) > rest {
			p = p[:rest]
		}
	}
	n, err := l.w.Write(p)
	l.used += int64(n)
	return n, err
}

func findContainerStatus(pod *v1.Pod, name string) (v1.ContainerStatus, bool) {
	for _, list := range [][]v1.ContainerStatus{pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses} {
		for _, cs := range list {
			if cs.Name == name {
				return cs, true
			}
		}
	}
	return v1.ContainerStatus{}, false
}

// logPathOf is where a real pod's container keeps the log of one run.
func (rt *moverRuntime) logPathOf(pod *v1.Pod, container string, restart int32) string {
	return (&podRun{dir: rt.podDir(pod)}).logPath(container, restart)
}

func (rt *moverRuntime) podDir(pod *v1.Pod) string {
	return filepath.Join(rt.dir, fmt.Sprintf("%s_%s_%s", pod.Namespace, pod.Name, pod.UID))
}

// running reports whether a container of a real pod has a process now.
func (rt *moverRuntime) running(uid types.UID, container string) bool {
	r := rt.get(uid)
	if r == nil {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.procs[container]
	return ok
}

// simulatedLog is what a simulated container printed: a start line, and how it ended.
func simulatedLog(pod *v1.Pod, cs v1.ContainerStatus, previous bool) []logLine {
	image := cs.Image
	if previous {
		t := cs.LastTerminationState.Terminated
		return []logLine{
			{at: t.StartedAt.Time, text: fmt.Sprintf("starting %s (%s)\n", cs.Name, image)},
			{at: t.FinishedAt.Time, text: terminationMessage(cs.Name, t)},
		}
	}
	switch {
	case cs.State.Running != nil:
		at := cs.State.Running.StartedAt.Time
		return []logLine{
			{at: at, text: fmt.Sprintf("starting %s (%s)\n", cs.Name, image)},
			{at: at, text: fmt.Sprintf("%s ready on node %s\n", cs.Name, pod.Spec.NodeName)},
		}
	case cs.State.Terminated != nil:
		t := cs.State.Terminated
		return []logLine{
			{at: t.StartedAt.Time, text: fmt.Sprintf("starting %s (%s)\n", cs.Name, image)},
			{at: t.FinishedAt.Time, text: terminationMessage(cs.Name, t)},
		}
	case cs.LastTerminationState.Terminated != nil: // waiting to restart: the kubelet shows the last run
		return simulatedLog(pod, cs, true)
	}
	return nil
}

func terminationMessage(container string, t *v1.ContainerStateTerminated) string {
	switch {
	case t.Reason == "OOMKilled":
		return fmt.Sprintf("fatal error: runtime: out of memory (%s killed, exit code %d)\n", container, t.ExitCode)
	case t.ExitCode == 0:
		return fmt.Sprintf("%s completed\n", container)
	}
	return strings.ToLower(fmt.Sprintf("fatal: %s failed: exit code %d\n", container, t.ExitCode))
}
