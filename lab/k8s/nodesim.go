package main

// node-sim plays the kubelet of every Node carrying the simulated label: it heartbeats Leases
// and node status, drives pod status (including injected faults) and serves usage metrics. Mover
// pods (restic/restic) run for real (nodesim_runtime.go), container logs are served to the API
// server (nodesim_kubelet.go, nodesim_logs.go), and the clouds' CSI drivers provision claims as
// directories on this machine (nodesim_provisioner.go).

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	coordlisters "k8s.io/client-go/listers/coordination/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/metadata/metadatainformer"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
)

const (
	faultAnnotation = "lab.fleetdeck.io/fault"
	fillAnnotation  = "lab.fleetdeck.io/fill"
	nodeNameIndex   = "spec.nodeName"
	podWorkers      = 16
	nodeWorkers     = 4
)

type nodeSim struct {
	client    kubernetes.Interface
	meta      metadata.Interface
	heartbeat time.Duration

	nodes      corelisters.NodeLister
	pods       corelisters.PodLister
	podsByNode cache.Indexer
	pvcs       corelisters.PersistentVolumeClaimLister
	pvs        corelisters.PersistentVolumeLister
	usage      usageCache
	leases     coordlisters.LeaseLister
	configMaps cache.GenericLister
	secrets    cache.GenericLister

	nodeQueue   workqueue.TypedRateLimitingInterface[string]
	podQueue    workqueue.TypedRateLimitingInterface[string]
	volumeQueue workqueue.TypedRateLimitingInterface[string] // the provisioner's claims and volumes
	ips         *ipam
	synced      atomic.Bool

	events    record.EventBroadcaster
	mu        sync.Mutex
	recorders map[string]record.EventRecorder // per node: events carry the node as source host

	runtime     *moverRuntime // the pods that run for real (movers)
	provisioner *provisioner  // nil without --provisioners
	kubelet     kubeletOptions
}

// kubeletOptions is how the API server reaches node-sim's kubelet endpoint.
type kubeletOptions struct {
	socket         string // the API server's egress proxy (HTTP CONNECT) for cluster traffic
	caCert, caKey  string // the lab CA: it signs each node's serving certificate and the API server's client certificate
	volumeStatsTTL time.Duration
}

func runNodeSim(args []string) int {
	fs := flag.NewFlagSet("node-sim", flag.ContinueOnError)
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
	kubeContext := fs.String("context", "", "kubeconfig context (default: the current context)")
	metricsAddr := fs.String("metrics-address", "127.0.0.1:10255", "address serving /metrics and /healthz")
	selector := fs.String("node-selector", "lab.fleetdeck.io/simulated=true", "label selector of the Nodes to simulate")
	heartbeat := fs.Duration("heartbeat", 10*time.Second, "Lease and node status heartbeat interval")
	podsDir := fs.String("pods-dir", "", "where pods that run for real keep their logs, roots and volumes (default: a temporary directory)")
	volumesDir := fs.String("volumes-dir", "", "where provisioned persistent volumes keep their data (required with --provisioners)")
	provisioners := fs.String("provisioners", "", "comma-separated CSI drivers whose claims node-sim provisions")
	restic := fs.String("mover-restic", "", "the restic binary mover containers run (default: restic on PATH)")
	kubeletSocket := fs.String("kubelet-socket", "", "unix socket where node-sim serves the API server's HTTP CONNECT egress to the nodes' kubelets")
	kubeletCA := fs.String("kubelet-ca-cert", "", "CA certificate signing the kubelet serving certificates and trusted for client certificates")
	kubeletCAKey := fs.String("kubelet-ca-key", "", "key of --kubelet-ca-cert")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 || *heartbeat <= 0 {
		fmt.Fprintln(os.Stderr, "node-sim: unexpected arguments or non-positive --heartbeat")
		return 2
	}
	if _, err := labels.Parse(*selector); err != nil {
		fmt.Fprintf(os.Stderr, "node-sim: --node-selector: %v\n", err)
		return 2
	}
	defer klog.Flush()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := func() error {
		cfg, err := restConfig(*kubeconfig, *kubeContext)
		if err != nil {
			return err
		}
		s, err := newNodeSim(cfg, *heartbeat)
		if err != nil {
			return err
		}
		dir := *podsDir
		if dir == "" {
			if dir, err = os.MkdirTemp("", "node-sim-pods-"); err != nil {
				return err
			}
		}
		s.runtime = newRuntime(dir, *restic, s.podQueue.Add)
		if *provisioners != "" {
			if *volumesDir == "" {
				return errors.New("--provisioners needs --volumes-dir")
			}
			s.provisioner = newProvisioner(s.client, strings.Split(*provisioners, ","), *volumesDir)
		}
		s.kubelet = kubeletOptions{socket: *kubeletSocket, caCert: *kubeletCA, caKey: *kubeletCAKey, volumeStatsTTL: 10 * time.Second}
		if (s.kubelet.socket != "") != (s.kubelet.caCert != "" && s.kubelet.caKey != "") {
			return errors.New("--kubelet-socket needs --kubelet-ca-cert and --kubelet-ca-key")
		}
		return s.run(ctx, *selector, *metricsAddr)
	}()
	if err != nil {
		klog.ErrorS(err, "node-sim failed")
		return 1
	}
	return 0
}

func restConfig(kubeconfig, kubeContext string) (*rest.Config, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = kubeconfig
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules,
		&clientcmd.ConfigOverrides{CurrentContext: kubeContext}).ClientConfig()
	if err != nil {
		return nil, err
	}
	cfg.QPS, cfg.Burst = 500, 1000
	cfg.UserAgent = "node-sim"
	cfg.ContentType = runtime.ContentTypeProtobuf
	cfg.AcceptContentTypes = runtime.ContentTypeProtobuf + "," + runtime.ContentTypeJSON
	return cfg, nil
}

func newNodeSim(cfg *rest.Config, heartbeat time.Duration) (*nodeSim, error) {
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	meta, err := metadata.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	queue := func() workqueue.TypedRateLimitingInterface[string] {
		return workqueue.NewTypedRateLimitingQueue(
			workqueue.NewTypedItemExponentialFailureRateLimiter[string](100*time.Millisecond, 30*time.Second))
	}
	return &nodeSim{
		client:      client,
		meta:        meta,
		heartbeat:   heartbeat,
		nodeQueue:   queue(),
		podQueue:    queue(),
		volumeQueue: queue(),
		ips:         newIPAM(),
		// A kubelet's event correlator remembers 4,096 events for its ≤ 110 pods, so a repeated
		// event becomes a count on the one before. One process plays every node here: with the
		// default size, thousands of failing pods overflow it and each repeat is a new Event.
		events:    record.NewBroadcaster(record.WithCorrelatorOptions(record.CorrelatorOptions{LRUCacheSize: 4096 * 64})),
		recorders: map[string]record.EventRecorder{},
	}, nil
}

func (s *nodeSim) run(ctx context.Context, selector, metricsAddr string) error {
	strip := informers.WithTransform(stripManagedFields)
	nodeF := informers.NewSharedInformerFactoryWithOptions(s.client, 0, strip,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = selector }))
	// Only scheduled pods: the cache is the one copy of the pod list node-sim keeps.
	podF := informers.NewSharedInformerFactoryWithOptions(s.client, 0, strip,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.FieldSelector = "spec.nodeName!=" }))
	otherF := informers.NewSharedInformerFactoryWithOptions(s.client, 0, strip)
	metaF := metadatainformer.NewSharedInformerFactoryWithOptions(s.meta, 0, metadatainformer.WithTransform(stripManagedFields))

	nodeInf := nodeF.Core().V1().Nodes()
	podInf := podF.Core().V1().Pods()
	pvcInf := otherF.Core().V1().PersistentVolumeClaims()
	pvInf := otherF.Core().V1().PersistentVolumes()
	classInf := otherF.Storage().V1().StorageClasses()
	leaseInf := otherF.Coordination().V1().Leases()
	cmInf := metaF.ForResource(v1.SchemeGroupVersion.WithResource("configmaps"))
	secretInf := metaF.ForResource(v1.SchemeGroupVersion.WithResource("secrets"))
	if err := podInf.Informer().AddIndexers(cache.Indexers{nodeNameIndex: func(obj any) ([]string, error) {
		return []string{obj.(*v1.Pod).Spec.NodeName}, nil
	}}); err != nil {
		return err
	}
	s.nodes, s.pods, s.pvcs, s.leases = nodeInf.Lister(), podInf.Lister(), pvcInf.Lister(), leaseInf.Lister()
	s.pvs = pvInf.Lister()
	s.usage.ttl = s.kubelet.volumeStatsTTL
	synced := []cache.InformerSynced{pvInf.Informer().HasSynced}
	if p := s.provisioner; p != nil {
		p.claims, p.volumes, p.classes = pvcInf.Lister(), pvInf.Lister(), classInf.Lister()
		p.recorder = s.events.NewRecorder(scheme.Scheme, v1.EventSource{Component: "lab-csi-provisioner"})
		claimReg, err := pvcInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc:    func(obj any) { s.volumeQueue.Add(cache.MetaObjectToName(obj.(*v1.PersistentVolumeClaim)).String()) },
			UpdateFunc: func(_, obj any) { s.volumeQueue.Add(cache.MetaObjectToName(obj.(*v1.PersistentVolumeClaim)).String()) },
		})
		if err != nil {
			return err
		}
		volumeReg, err := pvInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc:    func(obj any) { s.volumeQueue.Add(volumeKeyPrefix + obj.(*v1.PersistentVolume).Name) },
			UpdateFunc: func(_, obj any) { s.volumeQueue.Add(volumeKeyPrefix + obj.(*v1.PersistentVolume).Name) },
		})
		if err != nil {
			return err
		}
		synced = append(synced, claimReg.HasSynced, volumeReg.HasSynced, classInf.Informer().HasSynced)
	}
	s.podsByNode = podInf.Informer().GetIndexer()
	s.configMaps, s.secrets = cmInf.Lister(), secretInf.Lister()

	nodeReg, err := nodeInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			name := obj.(*v1.Node).Name
			s.nodeQueue.Add(name)
			s.enqueuePodsOn(name) // the node may have just gained the simulated label
		},
		UpdateFunc: func(_, obj any) { s.nodeQueue.Add(obj.(*v1.Node).Name) },
	})
	if err != nil {
		return err
	}
	podReg, err := podInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    s.onPod,
		UpdateFunc: func(_, obj any) { s.onPod(obj) },
		DeleteFunc: func(obj any) {
			if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = tomb.Obj
			}
			if pod, ok := obj.(*v1.Pod); ok {
				s.ips.release(pod.UID)
				go s.runtime.stop(pod.UID, 0) // deleted without waiting for node-sim (--force)
			}
		},
	})
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", metricsAddr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: s.httpHandler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			klog.ErrorS(err, "metrics server stopped")
		}
	}()
	s.events.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: s.client.CoreV1().Events("")})
	if s.kubelet.socket != "" {
		k, err := newKubeletServer(s)
		if err != nil {
			return err
		}
		if err := k.serve(ctx, s.kubelet.socket); err != nil {
			return err
		}
	}

	factories := []informerFactory{nodeF, podF, otherF, metaF}
	for _, f := range factories {
		f.Start(ctx.Done())
	}
	klog.InfoS("node-sim syncing caches", "nodeSelector", selector, "metrics", ln.Addr().String())
	synced = append(synced, nodeReg.HasSynced, podReg.HasSynced, pvcInf.Informer().HasSynced,
		leaseInf.Informer().HasSynced, cmInf.Informer().HasSynced, secretInf.Informer().HasSynced)
	if !cache.WaitForCacheSync(ctx.Done(), synced...) {
		return s.shutdown(srv, factories)
	}
	nodes, _ := s.nodes.List(labels.Everything())
	klog.InfoS("node-sim running", "nodes", len(nodes), "pods", len(s.podsByNode.ListKeys()))
	live := map[types.UID]bool{}
	pods, _ := s.pods.List(labels.Everything())
	for _, p := range pods {
		live[p.UID] = true
	}
	s.runtime.prune(live)
	s.synced.Store(true)

	var wg sync.WaitGroup
	startWorkers(ctx, &wg, s.nodeQueue, nodeWorkers, s.syncNode)
	startWorkers(ctx, &wg, s.podQueue, podWorkers, s.syncPod)
	if s.provisioner != nil {
		startWorkers(ctx, &wg, s.volumeQueue, 2, s.provisioner.sync)
	}
	wg.Go(func() {
		wait.UntilWithContext(ctx, func(context.Context) {
			nodes, _ := s.nodes.List(labels.Everything())
			for _, n := range nodes {
				s.nodeQueue.Add(n.Name)
			}
		}, s.heartbeat)
	})
	<-ctx.Done()
	klog.InfoS("node-sim stopping")
	err = s.shutdown(srv, factories)
	wg.Wait()
	return err
}

type informerFactory interface {
	Start(stopCh <-chan struct{})
	Shutdown()
}

func (s *nodeSim) shutdown(srv *http.Server, factories []informerFactory) error {
	s.nodeQueue.ShutDown()
	s.podQueue.ShutDown()
	s.volumeQueue.ShutDown()
	s.runtime.stopAll()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(ctx)
	s.events.Shutdown()
	for _, f := range factories {
		f.Shutdown()
	}
	return err
}

func (s *nodeSim) httpHandler() http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(usageCollector{s})
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		if !s.synced.Load() {
			http.Error(w, "caches not synced", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	return mux
}

func (s *nodeSim) onPod(obj any) {
	pod := obj.(*v1.Pod)
	s.ips.observe(pod)
	if pod.DeletionTimestamp != nil || !podTerminal(pod) {
		s.podQueue.Add(cache.MetaObjectToName(pod).String())
	}
}

func (s *nodeSim) enqueuePodsOn(node string) {
	keys, _ := s.podsByNode.IndexKeys(nodeNameIndex, node)
	for _, k := range keys {
		s.podQueue.Add(k)
	}
}

func (s *nodeSim) recorder(node string) record.EventRecorder {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.recorders[node]
	if !ok {
		r = s.events.NewRecorder(scheme.Scheme, v1.EventSource{Component: "kubelet", Host: node})
		s.recorders[node] = r
	}
	return r
}

// startWorkers drains q with n goroutines; sync may ask for the key to come back after a delay.
func startWorkers(ctx context.Context, wg *sync.WaitGroup, q workqueue.TypedRateLimitingInterface[string], n int,
	sync func(context.Context, string) (time.Duration, error)) {
	for range n {
		wg.Go(func() {
			for {
				key, quit := q.Get()
				if quit {
					return
				}
				after, err := sync(ctx, key)
				switch {
				case err != nil:
					if q.NumRequeues(key) == 0 {
						klog.ErrorS(err, "sync failed, retrying", "key", key)
					}
					q.AddRateLimited(key)
				case after > 0:
					q.Forget(key)
					q.AddAfter(key, after)
				default:
					q.Forget(key)
				}
				q.Done(key)
			}
		})
	}
}

func stripManagedFields(obj any) (any, error) {
	if m, ok := obj.(metav1.Object); ok {
		m.SetManagedFields(nil)
	}
	return obj, nil
}

// exists reports whether a ConfigMap or Secret exists, asking the API server when the cache
// misses so that an object created together with its pod is not reported missing.
func (s *nodeSim) exists(ctx context.Context, namespace string) func(kind, name string) bool {
	return func(kind, name string) bool {
		lister, resource := s.configMaps, "configmaps"
		if kind == "secret" {
			lister, resource = s.secrets, "secrets"
		}
		if _, err := lister.ByNamespace(namespace).Get(name); err == nil {
			return true
		}
		gvr := schema.GroupVersionResource{Version: "v1", Resource: resource}
		_, err := s.meta.Resource(gvr).Namespace(namespace).Get(ctx, name, metav1.GetOptions{})
		return !apierrors.IsNotFound(err)
	}
}
