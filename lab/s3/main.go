// The lab's S3-compatible object store for the volume movers' restic repositories: gofakes3 with
// its file system backend under --root (objects are files, so a large repository does not live in
// memory, and it persists across restarts), requests checked against one AWS Signature V4
// credential (gofakes3 checks none itself), and the bucket created at start.
// Credentials come from the environment (LAB_S3_ACCESS_KEY_ID, LAB_S3_SECRET_ACCESS_KEY) so they
// never show in the process list.
package main

import (
	"errors"
	"flag"
	"io"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3afero"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:9000", "address to serve S3 on")
	root := flag.String("root", "", "directory holding the buckets and their metadata")
	bucket := flag.String("bucket", "", "bucket to create at start unless it exists")
	flag.Parse()
	keyID, secret := os.Getenv("LAB_S3_ACCESS_KEY_ID"), os.Getenv("LAB_S3_SECRET_ACCESS_KEY")
	if *root == "" || *bucket == "" || keyID == "" || secret == "" {
		log.Fatal("lab-s3: --root, --bucket, LAB_S3_ACCESS_KEY_ID and LAB_S3_SECRET_ACCESS_KEY are required")
	}

	fs, err := s3afero.FsPath(*root, s3afero.FsPathCreateAll)
	if err != nil {
		log.Fatalf("lab-s3: %v", err)
	}
	files, err := s3afero.MultiBucket(fs)
	if err != nil {
		log.Fatalf("lab-s3: %v", err)
	}
	backend := fileStore{files}
	if exists, err := backend.BucketExists(*bucket); err != nil {
		log.Fatalf("lab-s3: %v", err)
	} else if !exists {
		if err := backend.CreateBucket(*bucket); err != nil {
			log.Fatalf("lab-s3: creating bucket %s: %v", *bucket, err)
		}
	}

	s3 := gofakes3.New(backend, gofakes3.WithLogger(gofakes3.GlobalLog(gofakes3.LogErr, gofakes3.LogWarn)))
	mux := http.NewServeMux()
	// "-" cannot start a bucket name, so this path never shadows the S3 API
	mux.HandleFunc("/-/ready", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	mux.Handle("/", requireSignature(keyID, secret, s3.Server()))
	server := &http.Server{Addr: *listen, Handler: mux, ReadHeaderTimeout: 30 * time.Second}
	log.Printf("lab-s3: serving bucket %s from %s on %s", *bucket, *root, *listen)
	log.Fatal(server.ListenAndServe())
}

// fileStore is gofakes3's file system backend made to behave as S3 does where restic notices:
//   - an upload cut short leaves nothing behind: the backend writes the object in place as it reads
//     the body, and a mover killed while uploading would otherwise leave a truncated file in the
//     repository;
//   - listing a prefix with no objects under it gives an empty list: the backend answers "no such
//     bucket" when the prefix's folder does not exist (restic lists keys/ before the first key).
type fileStore struct{ *s3afero.MultiBucketBackend }

type readErrors struct {
	io.Reader
	failed bool
}

func (r *readErrors) Read(p []byte) (int, error) {
	n, err := r.Reader.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		r.failed = true
	}
	return n, err
}

func (b fileStore) PutObject(bucket, key string, meta map[string]string, input io.Reader, size int64, conditions *gofakes3.PutConditions) (gofakes3.PutObjectResult, error) {
	body := &readErrors{Reader: input}
	result, err := b.MultiBucketBackend.PutObject(bucket, key, meta, body, size, conditions)
	if err != nil && body.failed {
		if _, removeErr := b.DeleteObject(bucket, key); removeErr != nil {
			log.Printf("lab-s3: removing the incomplete upload %s/%s: %v", bucket, key, removeErr)
		}
	}
	return result, err
}

func (b fileStore) ListBucket(bucket string, prefix *gofakes3.Prefix, page gofakes3.ListBucketPage) (*gofakes3.ObjectList, error) {
	list, err := b.MultiBucketBackend.ListBucket(bucket, prefix, page)
	if gofakes3.HasErrorCode(err, gofakes3.ErrNoSuchBucket) {
		if exists, existsErr := b.BucketExists(bucket); existsErr == nil && exists {
			return gofakes3.NewObjectList(), nil
		}
	}
	return list, err
}
