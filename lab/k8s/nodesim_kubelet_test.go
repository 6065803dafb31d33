package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
)

// testCA writes a CA certificate and key and returns their paths and a client certificate it signed.
func testCA(t *testing.T) (certPath, keyPath string, client tls.Certificate) {
	t.Helper()
	dir := t.TempDir()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test-ca"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
	certPath, keyPath = filepath.Join(dir, "ca.crt"), filepath.Join(dir, "ca.key")
	_ = os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	_ = os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600)
	ca, _ := x509.ParseCertificate(der)
	clientKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	clientDER, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "kube-apiserver-kubelet-client"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, ca, &clientKey.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return certPath, keyPath, tls.Certificate{Certificate: [][]byte{clientDER}, PrivateKey: clientKey}
}

func connect(t *testing.T, socket, target string) (net.Conn, *http.Response) {
	t.Helper()
	conn, err := net.Dial("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "CONNECT %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", target)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	return conn, res
}

// TestKubeletEndpoint plays the API server: CONNECT through the egress socket, TLS verified
// against the lab CA with a client certificate, then GET containerLogs.
func TestKubeletEndpoint(t *testing.T) {
	caCert, caKey, client := testCA(t)
	node := &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-a"}, Status: v1.NodeStatus{
		Addresses:       []v1.NodeAddress{{Type: v1.NodeInternalIP, Address: "10.1.2.3"}, {Type: v1.NodeHostName, Address: "node-a"}},
		DaemonEndpoints: v1.NodeDaemonEndpoints{KubeletEndpoint: v1.DaemonEndpoint{Port: 10250}}}}
	pod := testPod(nil)
	pod.Spec.NodeName = "node-a"
	st, _ := desiredPodStatus(pod, env(t0))
	pod.Status = *st
	cs := fake.NewClientset(node, pod)
	f := informers.NewSharedInformerFactory(cs, 0)
	s := &nodeSim{client: cs, nodes: f.Core().V1().Nodes().Lister(), pods: f.Core().V1().Pods().Lister(),
		kubelet: kubeletOptions{caCert: caCert, caKey: caKey}, runtime: newRuntime(t.TempDir(), "", func(string) {})}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.Start(ctx.Done())
	f.WaitForCacheSync(ctx.Done())
	k, err := newKubeletServer(s)
	if err != nil {
		t.Fatal(err)
	}
	socket := filepath.Join(t.TempDir(), "kubelet.sock")
	if err := k.serve(ctx, socket); err != nil {
		t.Fatal(err)
	}

	// a made-up pod or node address is never dialled
	conn, res := connect(t, socket, "10.64.1.7:8080")
	conn.Close()
	if res.StatusCode != http.StatusBadGateway {
		t.Errorf("CONNECT to a pod address: %s", res.Status)
	}

	pool := x509.NewCertPool()
	b, _ := os.ReadFile(caCert)
	pool.AppendCertsFromPEM(b)
	for _, host := range []string{"10.1.2.3", "node-a"} {
		conn, res = connect(t, socket, host+":10250")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("CONNECT %s: %s", host, res.Status)
		}
		tr := &http.Transport{DialTLSContext: func(context.Context, string, string) (net.Conn, error) {
			c := tls.Client(conn, &tls.Config{RootCAs: pool, ServerName: host, Certificates: []tls.Certificate{client}})
			return c, c.Handshake()
		}}
		got, err := (&http.Client{Transport: tr}).Get("https://" + host + ":10250/containerLogs/shop/web-1/web?tailLines=1")
		if err != nil {
			t.Fatalf("%s: %v", host, err)
		}
		body, _ := io.ReadAll(got.Body)
		got.Body.Close()
		if got.StatusCode != http.StatusOK || string(body) != "web ready on node node-a\n" {
			t.Errorf("%s: %s %q", host, got.Status, body)
		}
		tr.CloseIdleConnections()
	}

	// without a client certificate signed by the CA, no log
	conn, _ = connect(t, socket, "10.1.2.3:10250")
	c := tls.Client(conn, &tls.Config{RootCAs: pool, ServerName: "10.1.2.3"})
	if err := c.Handshake(); err == nil {
		_, err = c.Write([]byte("GET /containerLogs/shop/web-1/web HTTP/1.1\r\nHost: x\r\n\r\n"))
		line, _ := bufio.NewReader(c).ReadString('\n')
		if strings.Contains(line, "200") {
			t.Error("served a log without a client certificate")
		}
	}
	c.Close()
}
