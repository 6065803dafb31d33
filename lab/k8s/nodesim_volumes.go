package main

// What a container of a real pod needs before it starts, resolved as the kubelet resolves it:
// its environment (env, envFrom, $(VAR) expansion), its command line and its volume mounts.

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	authenticationv1 "k8s.io/api/authentication/v1"
	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/kubernetes/third_party/forked/golang/expansion"
	"k8s.io/utils/ptr"
)

const (
	labPathAttribute = "fleetdeck.io/lab-path"
	resticDir        = "/opt/restic/bin" // where the lab's restic appears in the container
	defaultPath      = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
)

// configError is a container config the kubelet cannot resolve (CreateContainerConfigError).
type configError struct{ msg string }

func (e configError) Error() string { return e.msg }

// mountSpec is one bind mount into the container's root.
type mountSpec struct {
	Source   string `json:"source"`
	Target   string `json:"target"`
	ReadOnly bool   `json:"readOnly"`
}

// containerSpecFile is what node-sim hands to the container init (nodesim_init.go).
type containerSpecFile struct {
	Root       string      `json:"root"`
	Mounts     []mountSpec `json:"mounts"`
	WorkingDir string      `json:"workingDir"`
	Argv       []string    `json:"argv"`
	Env        []string    `json:"env"`
}

func (rt *moverRuntime) prepare(ctx context.Context, s *nodeSim, pod *v1.Pod, r *podRun, c *v1.Container) (*containerSpecFile, error) {
	env, err := resolveEnv(ctx, s.client, pod, c)
	if err != nil {
		return nil, err
	}
	mounts, err := resolveMounts(ctx, s.client, pod, c, filepath.Join(r.dir, "volumes"))
	if err != nil {
		return nil, err
	}
	if restic := rt.resticBinary(); restic != "" {
		mounts = append(mounts, mountSpec{Source: restic, Target: path.Join(resticDir, "restic"), ReadOnly: true})
	}
	root := filepath.Join(r.dir, "root", c.Name)
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, err
	}
	workingDir := c.WorkingDir
	if workingDir == "" {
		workingDir = "/"
	}
	return &containerSpecFile{Root: root, Mounts: mounts, WorkingDir: workingDir, Argv: commandLine(c, env), Env: env}, nil
}

// resticBinary is the lab's restic (the --mover-restic flag) when it exists, else restic on PATH.
func (rt *moverRuntime) resticBinary() string {
	if rt.restic != "" {
		if st, err := os.Stat(rt.restic); err == nil && !st.IsDir() {
			return rt.restic
		}
	}
	p, err := exec.LookPath("restic")
	if err != nil {
		return ""
	}
	abs, _ := filepath.Abs(p)
	return abs
}

// commandLine is command+args with $(VAR) expanded; the mover image's entrypoint is restic.
func commandLine(c *v1.Container, env []string) []string {
	vars := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	mapping := expansion.MappingFuncFor(vars)
	var argv []string
	if len(c.Command) == 0 {
		argv = append(argv, "restic")
	}
	for _, a := range slices.Concat(c.Command, c.Args) {
		argv = append(argv, expansion.Expand(a, mapping))
	}
	return argv
}

// resolveEnv is the container's environment as the kubelet builds it: envFrom sources in order
// (with their prefix), then env entries, later ones winning, values expanded against the ones
// before. Defaults the image would set (PATH, HOME) come first; the lab's restic is on PATH.
func resolveEnv(ctx context.Context, client kubernetes.Interface, pod *v1.Pod, c *v1.Container) ([]string, error) {
	ns := pod.Namespace
	vars := map[string]string{}
	var order []string
	set := func(k, v string) {
		if _, ok := vars[k]; !ok {
			order = append(order, k)
		}
		vars[k] = v
	}
	set("PATH", resticDir+":"+defaultPath)
	set("HOME", "/root")
	set("HOSTNAME", pod.Name)

	for _, from := range c.EnvFrom {
		var data map[string]string
		switch {
		case from.ConfigMapRef != nil:
			cm, err := client.CoreV1().ConfigMaps(ns).Get(ctx, from.ConfigMapRef.Name, metav1.GetOptions{})
			if err != nil {
				if apierrors.IsNotFound(err) && ptr.Deref(from.ConfigMapRef.Optional, false) {
					continue
				}
				return nil, refError("configmap", from.ConfigMapRef.Name, err)
			}
			data = cm.Data
		case from.SecretRef != nil:
			sec, err := client.CoreV1().Secrets(ns).Get(ctx, from.SecretRef.Name, metav1.GetOptions{})
			if err != nil {
				if apierrors.IsNotFound(err) && ptr.Deref(from.SecretRef.Optional, false) {
					continue
				}
				return nil, refError("secret", from.SecretRef.Name, err)
			}
			data = secretData(sec)
		}
		for _, k := range slices.Sorted(maps.Keys(data)) {
			set(from.Prefix+k, data[k])
		}
	}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			set(e.Name, expansion.Expand(e.Value, expansion.MappingFuncFor(vars)))
			continue
		}
		v, ok, err := envValueFrom(ctx, client, pod, e.ValueFrom)
		if err != nil {
			return nil, err
		}
		if ok {
			set(e.Name, v)
		}
	}
	env := make([]string, 0, len(order))
	for _, k := range order {
		env = append(env, k+"="+vars[k])
	}
	return env, nil
}

// envValueFrom resolves one valueFrom; ok is false when an optional source or key is missing.
func envValueFrom(ctx context.Context, client kubernetes.Interface, pod *v1.Pod, from *v1.EnvVarSource) (string, bool, error) {
	ns := pod.Namespace
	switch {
	case from.FieldRef != nil:
		v, err := podField(pod, from.FieldRef.FieldPath)
		return v, err == nil, err
	case from.ConfigMapKeyRef != nil:
		ref := from.ConfigMapKeyRef
		optional := ptr.Deref(ref.Optional, false)
		cm, err := client.CoreV1().ConfigMaps(ns).Get(ctx, ref.Name, metav1.GetOptions{})
		if err != nil {
			if apierrors.IsNotFound(err) && optional {
				return "", false, nil
			}
			return "", false, refError("configmap", ref.Name, err)
		}
		v, ok := cm.Data[ref.Key]
		if !ok && !optional {
			return "", false, configError{fmt.Sprintf("couldn't find key %s in ConfigMap %s/%s", ref.Key, ns, ref.Name)}
		}
		return v, ok, nil
	case from.SecretKeyRef != nil:
		ref := from.SecretKeyRef
		optional := ptr.Deref(ref.Optional, false)
		sec, err := client.CoreV1().Secrets(ns).Get(ctx, ref.Name, metav1.GetOptions{})
		if err != nil {
			if apierrors.IsNotFound(err) && optional {
				return "", false, nil
			}
			return "", false, refError("secret", ref.Name, err)
		}
		v, ok := sec.Data[ref.Key]
		if !ok && !optional {
			return "", false, configError{fmt.Sprintf("couldn't find key %s in Secret %s/%s", ref.Key, ns, ref.Name)}
		}
		return string(v), ok, nil
	}
	return "", false, fmt.Errorf("env valueFrom: only fieldRef, configMapKeyRef and secretKeyRef run in the lab")
}

// refError is the kubelet's message for a ConfigMap or Secret it cannot read.
func refError(kind, name string, err error) error {
	if apierrors.IsNotFound(err) {
		return configError{fmt.Sprintf("%s %q not found", kind, name)}
	}
	return err
}

func secretData(sec *v1.Secret) map[string]string {
	out := make(map[string]string, len(sec.Data))
	for k, v := range sec.Data {
		out[k] = string(v)
	}
	return out
}

// podField resolves a downward-API field path.
func podField(pod *v1.Pod, field string) (string, error) {
	if key, ok := strings.CutPrefix(field, "metadata.labels['"); ok {
		return pod.Labels[strings.TrimSuffix(key, "']")], nil
	}
	if key, ok := strings.CutPrefix(field, "metadata.annotations['"); ok {
		return pod.Annotations[strings.TrimSuffix(key, "']")], nil
	}
	switch field {
	case "metadata.name":
		return pod.Name, nil
	case "metadata.namespace":
		return pod.Namespace, nil
	case "metadata.uid":
		return string(pod.UID), nil
	case "metadata.labels":
		return formatMap(pod.Labels), nil
	case "metadata.annotations":
		return formatMap(pod.Annotations), nil
	case "spec.nodeName":
		return pod.Spec.NodeName, nil
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName, nil
	case "status.hostIP":
		return pod.Status.HostIP, nil
	case "status.podIP":
		return pod.Status.PodIP, nil
	}
	return "", fmt.Errorf("unsupported fieldPath %q", field)
}

// formatMap is the downward API's rendering of labels and annotations: key="value" lines, sorted.
func formatMap(m map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(m)) {
		fmt.Fprintf(&b, "%s=%s\n", k, strconv.Quote(m[k]))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// resolveMounts gives each volume mount of the container its source on this machine: a claim's
// bound PV directory, or a directory under dir that node-sim fills (emptyDir, ConfigMap, Secret,
// downward API, projected).
func resolveMounts(ctx context.Context, client kubernetes.Interface, pod *v1.Pod, c *v1.Container, dir string) ([]mountSpec, error) {
	sources := map[string]string{}
	readOnlyVolume := map[string]bool{}
	for i := range pod.Spec.Volumes {
		vol := &pod.Spec.Volumes[i]
		if !slices.ContainsFunc(c.VolumeMounts, func(m v1.VolumeMount) bool { return m.Name == vol.Name }) {
			continue
		}
		src, readOnly, err := volumeSource(ctx, client, pod, vol, filepath.Join(dir, vol.Name))
		if err != nil {
			return nil, err
		}
		sources[vol.Name], readOnlyVolume[vol.Name] = src, readOnly
	}
	var mounts []mountSpec
	for _, m := range c.VolumeMounts {
		src, ok := sources[m.Name]
		if !ok {
			return nil, fmt.Errorf("volume mount %q names no volume of the pod", m.Name)
		}
		if m.SubPath != "" {
			if !filepath.IsLocal(m.SubPath) {
				return nil, fmt.Errorf("subPath %q of volume %q leaves the volume", m.SubPath, m.Name)
			}
			src = filepath.Join(src, m.SubPath)
			if _, err := os.Stat(src); os.IsNotExist(err) {
				if err := os.MkdirAll(src, 0o755); err != nil {
					return nil, err
				}
			}
		}
		if !path.IsAbs(m.MountPath) {
			return nil, fmt.Errorf("mountPath %q is not absolute", m.MountPath)
		}
		mounts = append(mounts, mountSpec{Source: src, Target: path.Clean(m.MountPath), ReadOnly: m.ReadOnly || readOnlyVolume[m.Name]})
	}
	// parents before the mounts nested in them
	slices.SortStableFunc(mounts, func(a, b mountSpec) int { return strings.Count(a.Target, "/") - strings.Count(b.Target, "/") })
	return mounts, nil
}

func volumeSource(ctx context.Context, client kubernetes.Interface, pod *v1.Pod, vol *v1.Volume, dir string) (string, bool, error) {
	ns := pod.Namespace
	switch {
	case vol.PersistentVolumeClaim != nil:
		src, err := claimPath(ctx, client, ns, vol.PersistentVolumeClaim.ClaimName)
		return src, vol.PersistentVolumeClaim.ReadOnly, err
	case vol.HostPath != nil:
		return vol.HostPath.Path, false, nil
	case vol.EmptyDir != nil:
		return dir, false, os.MkdirAll(dir, 0o777)
	}
	files, mode, err := volumeFiles(ctx, client, pod, vol)
	if err != nil {
		return "", false, err
	}
	if err := os.RemoveAll(dir); err != nil {
		return "", false, err
	}
	for name, f := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", false, err
		}
		m := mode
		if f.mode != nil {
			m = *f.mode
		}
		if err := os.WriteFile(p, f.data, os.FileMode(m)); err != nil {
			return "", false, err
		}
	}
	return dir, true, os.MkdirAll(dir, 0o755)
}

// claimPath is the directory holding a bound claim's data on this machine.
func claimPath(ctx context.Context, client kubernetes.Interface, ns, claim string) (string, error) {
	pvc, err := client.CoreV1().PersistentVolumeClaims(ns).Get(ctx, claim, metav1.GetOptions{})
	if err != nil {
		if apierrors.IsNotFound(err) {
			return "", fmt.Errorf("persistentvolumeclaim %q not found", claim)
		}
		return "", err
	}
	if pvc.Spec.VolumeName == "" || pvc.Status.Phase != v1.ClaimBound {
		return "", fmt.Errorf("persistentvolumeclaim %q is not bound", claim)
	}
	pv, err := client.CoreV1().PersistentVolumes().Get(ctx, pvc.Spec.VolumeName, metav1.GetOptions{})
	if err != nil {
		return "", err
	}
	switch {
	case pv.Spec.CSI != nil && pv.Spec.CSI.VolumeAttributes[labPathAttribute] != "":
		return pv.Spec.CSI.VolumeAttributes[labPathAttribute], nil
	case pv.Spec.HostPath != nil:
		return pv.Spec.HostPath.Path, nil
	case pv.Spec.Local != nil:
		return pv.Spec.Local.Path, nil
	}
	return "", fmt.Errorf("persistentvolume %q has no data on this machine (no %s attribute)", pv.Name, labPathAttribute)
}

type volumeFile struct {
	data []byte
	mode *int32
}

// volumeFiles are the files of a ConfigMap, Secret, downward-API or projected volume, and the
// volume's default mode.
func volumeFiles(ctx context.Context, client kubernetes.Interface, pod *v1.Pod, vol *v1.Volume) (map[string]volumeFile, int32, error) {
	files := map[string]volumeFile{}
	mode := int32(0o644)
	add := func(data map[string][]byte, items []v1.KeyToPath, optional bool) error {
		if len(items) == 0 {
			for k, v := range data {
				files[k] = volumeFile{data: v}
			}
			return nil
		}
		for _, it := range items {
			v, ok := data[it.Key]
			if !ok {
				if optional {
					continue
				}
				return configError{fmt.Sprintf("configmap references non-existent config key: %s", it.Key)}
			}
			files[it.Path] = volumeFile{data: v, mode: it.Mode}
		}
		return nil
	}
	configMap := func(name string, items []v1.KeyToPath, optional bool) error {
		cm, err := client.CoreV1().ConfigMaps(pod.Namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			if apierrors.IsNotFound(err) && optional {
				return nil
			}
			return refError("configmap", name, err)
		}
		data := map[string][]byte{}
		for k, v := range cm.Data {
			data[k] = []byte(v)
		}
		maps.Copy(data, cm.BinaryData)
		return add(data, items, optional)
	}
	secret := func(name string, items []v1.KeyToPath, optional bool) error {
		sec, err := client.CoreV1().Secrets(pod.Namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			if apierrors.IsNotFound(err) && optional {
				return nil
			}
			return refError("secret", name, err)
		}
		for _, it := range items {
			if _, ok := sec.Data[it.Key]; !ok && !optional {
				return configError{fmt.Sprintf("couldn't find key %s in Secret %s/%s", it.Key, pod.Namespace, name)}
			}
		}
		if len(items) == 0 {
			for k, v := range sec.Data {
				files[k] = volumeFile{data: v}
			}
			return nil
		}
		for _, it := range items {
			if v, ok := sec.Data[it.Key]; ok {
				files[it.Path] = volumeFile{data: v, mode: it.Mode}
			}
		}
		return nil
	}
	downward := func(items []v1.DownwardAPIVolumeFile) error {
		for _, it := range items {
			if it.FieldRef == nil {
				return fmt.Errorf("downward API volume item %q: only fieldRef runs in the lab", it.Path)
			}
			v, err := podField(pod, it.FieldRef.FieldPath)
			if err != nil {
				return err
			}
			files[it.Path] = volumeFile{data: []byte(v), mode: it.Mode}
		}
		return nil
	}
	var err error
	switch {
	case vol.ConfigMap != nil:
		mode = ptr.Deref(vol.ConfigMap.DefaultMode, mode)
		err = configMap(vol.ConfigMap.Name, vol.ConfigMap.Items, ptr.Deref(vol.ConfigMap.Optional, false))
	case vol.Secret != nil:
		mode = ptr.Deref(vol.Secret.DefaultMode, mode)
		err = secret(vol.Secret.SecretName, vol.Secret.Items, ptr.Deref(vol.Secret.Optional, false))
	case vol.DownwardAPI != nil:
		mode = ptr.Deref(vol.DownwardAPI.DefaultMode, mode)
		err = downward(vol.DownwardAPI.Items)
	case vol.Projected != nil:
		mode = ptr.Deref(vol.Projected.DefaultMode, mode)
		for _, src := range vol.Projected.Sources {
			switch {
			case src.ConfigMap != nil:
				err = configMap(src.ConfigMap.Name, src.ConfigMap.Items, ptr.Deref(src.ConfigMap.Optional, false))
			case src.Secret != nil:
				err = secret(src.Secret.Name, src.Secret.Items, ptr.Deref(src.Secret.Optional, false))
			case src.DownwardAPI != nil:
				err = downward(src.DownwardAPI.Items)
			case src.ServiceAccountToken != nil:
				err = serviceAccountToken(ctx, client, pod, src.ServiceAccountToken, files)
			default:
				err = fmt.Errorf("projected volume %q: a source the lab does not run", vol.Name)
			}
			if err != nil {
				break
			}
		}
	default:
		err = fmt.Errorf("volume %q: a volume type the lab does not run", vol.Name)
	}
	return files, mode, err
}

// serviceAccountToken asks the API server for a token bound to the pod, as the kubelet does.
func serviceAccountToken(ctx context.Context, client kubernetes.Interface, pod *v1.Pod, src *v1.ServiceAccountTokenProjection, files map[string]volumeFile) error {
	sa := pod.Spec.ServiceAccountName
	if sa == "" {
		sa = "default"
	}
	var audiences []string
	if src.Audience != "" {
		audiences = []string{src.Audience}
	}
	tr, err := client.CoreV1().ServiceAccounts(pod.Namespace).CreateToken(ctx, sa, &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{
		Audiences:         audiences,
		ExpirationSeconds: src.ExpirationSeconds,
		BoundObjectRef:    &authenticationv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: pod.Name, UID: pod.UID},
	}}, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("service account token for %s/%s: %w", pod.Namespace, sa, err)
	}
	files[src.Path] = volumeFile{data: []byte(tr.Status.Token)}
	return nil
}

func writeJSON(p string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, b, 0o600)
}
