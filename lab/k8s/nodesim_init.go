package main

// The container init: node-sim starts `labk8s node-sim-init SPEC` in a new mount namespace
// (private propagation); it builds the container's root from read-only binds of the host's
// system directories plus the pod's volumes, chroots into it and execs the container's command.
// The container's processes see the host's /bin/sh, find, sha256sum, stat … and the lab's restic.

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
)

const containerInitCommand = "node-sim-init"

// hostSystemDirs are bound read-only into every container root (symlinks are copied as such).
var hostSystemDirs = []string{"bin", "sbin", "lib", "lib32", "lib64", "libx32", "usr", "etc"}

func runContainerInit(args []string) int {
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: labk8s node-sim-init SPEC")
		return 2
	}
	if err := containerInit(args[0]); err != nil {
		fmt.Fprintf(os.Stderr, "node-sim: starting the container: %v\n", err)
		return 128
	}
	return 0 // not reached: the command replaced this process
}

func containerInit(specPath string) error {
	b, err := os.ReadFile(specPath)
	if err != nil {
		return err
	}
	var spec containerSpecFile
	if err := json.Unmarshal(b, &spec); err != nil {
		return err
	}
	if len(spec.Argv) == 0 {
		return errors.New("no command")
	}
	// Unshareflags made / private already; again, so that nothing here ever reaches the host.
	if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("making / private: %w", err)
	}
	root := spec.Root
	for _, name := range hostSystemDirs {
		host := "/" + name
		st, err := os.Lstat(host)
		switch {
		case err != nil:
			continue
		case st.Mode()&os.ModeSymlink != 0:
			target, err := os.Readlink(host)
			if err != nil {
				return err
			}
			if err := os.Symlink(target, filepath.Join(root, name)); err != nil && !os.IsExist(err) {
				return err
			}
		case st.IsDir():
			if err := bind(host, filepath.Join(root, name), true); err != nil {
				return err
			}
		}
	}
	for _, name := range []string{"dev", "proc"} {
		if err := bind("/"+name, filepath.Join(root, name), false); err != nil {
			return err
		}
	}
	for _, d := range []struct {
		name string
		mode os.FileMode
	}{{"tmp", 0o1777}, {"var/tmp", 0o1777}, {"root", 0o700}} {
		if err := os.MkdirAll(filepath.Join(root, d.name), d.mode); err != nil {
			return err
		}
		_ = os.Chmod(filepath.Join(root, d.name), d.mode)
	}
	for _, m := range spec.Mounts {
		target := path.Clean("/" + m.Target)
		if target == "/" || strings.HasPrefix(target, "/dev/") || strings.HasPrefix(target, "/proc/") {
			return fmt.Errorf("mountPath %s is not allowed in the lab", m.Target)
		}
		if err := bind(m.Source, filepath.Join(root, target), m.ReadOnly); err != nil {
			return err
		}
	}
	if err := syscall.Chroot(root); err != nil {
		return fmt.Errorf("chroot: %w", err)
	}
	if err := os.Chdir(spec.WorkingDir); err != nil {
		return fmt.Errorf("working directory: %w", err)
	}
	exe, err := lookPath(spec.Argv[0], spec.Env)
	if err != nil {
		return err
	}
	return syscall.Exec(exe, spec.Argv, spec.Env)
}

// bind mounts source at target (created as a directory or an empty file, like source).
func bind(source, target string, readOnly bool) error {
	st, err := os.Stat(source)
	if err != nil {
		return err
	}
	if st.IsDir() {
		err = os.MkdirAll(target, 0o755)
	} else if err = os.MkdirAll(filepath.Dir(target), 0o755); err == nil {
		var f *os.File
		if f, err = os.OpenFile(target, os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			err = f.Close()
		}
	}
	if err != nil {
		return fmt.Errorf("mount point %s: %w", target, err)
	}
	if err := syscall.Mount(source, target, "", syscall.MS_BIND|syscall.MS_REC, ""); err != nil {
		return fmt.Errorf("bind %s at %s: %w", source, target, err)
	}
	if readOnly {
		if err := syscall.Mount("", target, "", syscall.MS_BIND|syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
			return fmt.Errorf("read-only %s: %w", target, err)
		}
	}
	return nil
}

// lookPath finds the command in the container's PATH, as a runtime does for a relative argv[0].
func lookPath(name string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	search := defaultPath
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			search = v
		}
	}
	for _, dir := range filepath.SplitList(search) {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("exec: %q: executable file not found in $PATH", name)
}
