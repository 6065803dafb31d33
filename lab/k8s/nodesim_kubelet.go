package main

// The nodes' kubelet endpoint. The API server reaches kubelets through its egress selector
// ("cluster" traffic over HTTP CONNECT on a unix socket): node-sim answers a CONNECT to a
// simulated node's address itself, with TLS under a serving certificate for that node signed by
// the lab CA, and serves container logs there. A CONNECT to an address of this machine (an
// admission webhook of the lab, a test's stand-in for a pod) is passed through; anything else is
// refused, so that the lab never dials
// the nodes' and pods' made-up addresses.

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/klog/v2"
)

type kubeletServer struct {
	s      *nodeSim
	ca     tls.Certificate
	caPool *x509.CertPool
	conns  chan net.Conn
	http   *http.Server

	mu    sync.Mutex
	certs map[string]*tls.Certificate // by node name and addresses
}

func newKubeletServer(s *nodeSim) (*kubeletServer, error) {
	certPEM, err := os.ReadFile(s.kubelet.caCert)
	if err != nil {
		return nil, err
	}
	keyPEM, err := os.ReadFile(s.kubelet.caKey)
	if err != nil {
		return nil, err
	}
	ca, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("kubelet CA: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	k := &kubeletServer{s: s, ca: ca, caPool: pool, conns: make(chan net.Conn), certs: map[string]*tls.Certificate{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /containerLogs/{namespace}/{pod}/{container}", k.containerLogs)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	k.http = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	return k, nil
}

// serve accepts CONNECT requests on the socket until ctx ends.
func (k *kubeletServer) serve(ctx context.Context, socket string) error {
	_ = os.Remove(socket)
	ln, err := net.Listen("unix", socket)
	if err != nil {
		return err
	}
	go func() {
		<-ctx.Done()
		ln.Close()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = k.http.Shutdown(shutdown)
	}()
	go func() {
		if err := k.http.Serve(chanListener{k.conns, ctx.Done()}); !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			klog.ErrorS(err, "kubelet endpoint stopped")
		}
	}()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go k.handleConnect(ctx, conn)
		}
	}()
	return nil
}

func (k *kubeletServer) handleConnect(ctx context.Context, conn net.Conn) {
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(conn)
	req, err := http.ReadRequest(br)
	if err != nil {
		conn.Close()
		return
	}
	_ = conn.SetReadDeadline(time.Time{})
	reply := func(status int, msg string) {
		fmt.Fprintf(conn, "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s", status, http.StatusText(status), len(msg), msg)
		conn.Close()
	}
	if req.Method != http.MethodConnect {
		reply(http.StatusMethodNotAllowed, "node-sim: only CONNECT")
		return
	}
	host, port, err := net.SplitHostPort(req.Host)
	if err != nil {
		reply(http.StatusBadRequest, err.Error())
		return
	}
	if node := k.nodeAt(host, port); node != nil {
		cert, err := k.servingCert(node)
		if err != nil {
			reply(http.StatusInternalServerError, err.Error())
			return
		}
		fmt.Fprint(conn, "HTTP/1.1 200 Connection established\r\n\r\n")
		tlsConn := tls.Server(bufferedConn{conn, br}, &tls.Config{
			Certificates: []tls.Certificate{*cert},
			ClientAuth:   tls.RequireAndVerifyClientCert,
			ClientCAs:    k.caPool,
			MinVersion:   tls.VersionTLS12,
		})
		select {
		case k.conns <- tlsConn:
		case <-ctx.Done():
			conn.Close()
		}
		return
	}
	if ip := net.ParseIP(host); host == "localhost" || ip != nil && (ip.IsLoopback() || isOwnAddress(ip)) {
		upstream, err := (&net.Dialer{Timeout: 10 * time.Second}).DialContext(ctx, "tcp", req.Host)
		if err != nil {
			reply(http.StatusBadGateway, err.Error())
			return
		}
		fmt.Fprint(conn, "HTTP/1.1 200 Connection established\r\n\r\n")
		go func() { _, _ = io.Copy(upstream, br); upstream.Close() }()
		_, _ = io.Copy(conn, upstream)
		conn.Close()
		return
	}
	reply(http.StatusBadGateway, fmt.Sprintf("node-sim: %s is neither a simulated node's kubelet nor an address of this machine; the lab reaches nothing else", req.Host))
}

// isOwnAddress: one of this machine's interface addresses, where lab tests run servers that stand
// in for pods (a Prometheus behind a Service the API server proxies to).
func isOwnAddress(ip net.IP) bool {
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.Equal(ip) {
			return true
		}
	}
	return false
}

// nodeAt is the simulated node with that address (or name) whose kubelet listens on port.
func (k *kubeletServer) nodeAt(host, port string) *v1.Node {
	nodes, _ := k.s.nodes.List(labels.Everything())
	for _, n := range nodes {
		if strconv.Itoa(int(n.Status.DaemonEndpoints.KubeletEndpoint.Port)) != port {
			continue
		}
		if n.Name == host {
			return n
		}
		for _, a := range n.Status.Addresses {
			if a.Address == host {
				return n
			}
		}
	}
	return nil
}

// servingCert is the node's kubelet serving certificate, as a kubelet with serving-certificate
// rotation has it: system:node:<name>, for each of the node's addresses.
func (k *kubeletServer) servingCert(node *v1.Node) (*tls.Certificate, error) {
	var ips []net.IP
	dns := []string{node.Name}
	for _, a := range node.Status.Addresses {
		if ip := net.ParseIP(a.Address); ip != nil {
			ips = append(ips, ip)
		} else if a.Address != node.Name {
			dns = append(dns, a.Address)
		}
	}
	key := fmt.Sprint(dns, ips)
	k.mu.Lock()
	defer k.mu.Unlock()
	if c, ok := k.certs[key]; ok {
		return c, nil
	}
	caCert, err := x509.ParseCertificate(k.ca.Certificate[0])
	if err != nil {
		return nil, err
	}
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "system:node:" + node.Name, Organization: []string{"system:nodes"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     dns,
		IPAddresses:  ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &priv.PublicKey, k.ca.PrivateKey)
	if err != nil {
		return nil, err
	}
	c := &tls.Certificate{Certificate: [][]byte{der, k.ca.Certificate[0]}, PrivateKey: priv}
	k.certs[key] = c
	return c, nil
}

// bufferedConn reads what the CONNECT reader buffered before the connection itself.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// chanListener hands the tunnelled TLS connections to one http.Server.
type chanListener struct {
	conns <-chan net.Conn
	done  <-chan struct{}
}

func (l chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}
func (chanListener) Close() error   { return nil }
func (chanListener) Addr() net.Addr { return &net.UnixAddr{Name: "node-sim-kubelet", Net: "unix"} }
