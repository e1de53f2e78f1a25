/*
Copyright 2026 The RestAPI Operator Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

// Command image writes the manager's container image without a container
// engine or a base image: one layer holding the static binary as /manager,
// run as the non-root user 65532, nothing else (no shell, no package
// manager). `make image` builds the binary and runs this.
//
// The output is one tar that is both an OCI image layout (crane push,
// skopeo copy oci-archive:, podman load) and what `docker save` writes
// (docker load, kind load image-archive): Docker 25 writes the same
// combination.
//
//	go run ./hack/image -binary bin/manager-linux-amd64 -arch amd64 -tag controller:latest -out dist/manager-image.tar
//
// The image is reproducible: every timestamp is SOURCE_DATE_EPOCH (the Unix
// epoch when unset), so the same binary gives the same digest.
package main

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// User is the numeric user and group the manager runs as: distroless's
// "nonroot", which the Dockerfile's image uses too.
const User = "65532:65532"

func main() {
	binary := flag.String("binary", "", "the manager binary, static, built for -arch")
	arch := flag.String("arch", "amd64", "the image's architecture (GOARCH)")
	tag := flag.String("tag", "controller:latest", "the image reference written for docker load")
	out := flag.String("out", "dist/manager-image.tar", "the tar to write")
	flag.Parse()
	if *binary == "" {
		fmt.Fprintln(os.Stderr, "image: -binary is required")
		os.Exit(2)
	}
	digest, err := run(*binary, *arch, *tag, *out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
	fmt.Printf("image: wrote %s (%s, linux/%s, %s)\n", *out, *tag, *arch, digest)
}

func run(binary, arch, tag, out string) (v1.Hash, error) {
	created, err := sourceDate()
	if err != nil {
		return v1.Hash{}, err
	}
	img, err := Build(binary, arch, created)
	if err != nil {
		return v1.Hash{}, err
	}
	if err := Write(out, img, tag); err != nil {
		return v1.Hash{}, err
	}
	return img.Digest()
}

// sourceDate is SOURCE_DATE_EPOCH, or the epoch.
func sourceDate() (time.Time, error) {
	v := os.Getenv("SOURCE_DATE_EPOCH")
	if v == "" {
		return time.Unix(0, 0).UTC(), nil
	}
	s, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q is not a number of seconds", v)
	}
	return time.Unix(s, 0).UTC(), nil
}

// Build is the image: the binary as /manager in one layer, OCI media types.
func Build(binary, arch string, created time.Time) (v1.Image, error) {
	data, err := os.ReadFile(binary)
	if err != nil {
		return nil, err
	}
	layerTar, err := layerOf("manager", data, created)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, err
	}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err = mutate.Append(img, mutate.Addendum{Layer: layer, History: v1.History{
		Created: v1.Time{Time: created}, CreatedBy: "make image: the manager binary, nothing else",
	}})
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", arch
	cf.Created = v1.Time{Time: created}
	cf.Config.User = User
	cf.Config.Entrypoint = []string{"/manager"}
	cf.Config.WorkingDir = "/"
	cf.Config.Labels = map[string]string{"org.opencontainers.image.title": "restapi-operator manager"}
	return mutate.ConfigFile(img, cf)
}

// layerOf is a tar holding one executable file, owned by the image's user.
func layerOf(name string, data []byte, modified time.Time) ([]byte, error) {
	var b bytes.Buffer
	w := tar.NewWriter(&b)
	if err := w.WriteHeader(&tar.Header{
		Typeflag: tar.TypeReg, Name: name, Mode: 0o755, Size: int64(len(data)),
		Uid: 65532, Gid: 65532, ModTime: modified, Format: tar.FormatPAX,
	}); err != nil {
		return nil, err
	}
	if _, err := w.Write(data); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Write writes the image as an OCI layout with Docker's manifest.json
// beside it, in one tar.
func Write(out string, img v1.Image, tag string) error {
	manifest, err := img.RawManifest()
	if err != nil {
		return err
	}
	digest, err := img.Digest()
	if err != nil {
		return err
	}
	config, err := img.RawConfigFile()
	if err != nil {
		return err
	}
	configName, err := img.ConfigName()
	if err != nil {
		return err
	}
	layers, err := img.Layers()
	if err != nil {
		return err
	}
	files := []file{{"oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`)}}
	index, err := json.Marshal(v1.IndexManifest{
		SchemaVersion: 2, MediaType: types.OCIImageIndex,
		Manifests: []v1.Descriptor{{
			MediaType: types.OCIManifestSchema1, Size: int64(len(manifest)), Digest: digest,
			Annotations: map[string]string{"io.containerd.image.name": tag, "org.opencontainers.image.ref.name": refName(tag)},
		}},
	})
	if err != nil {
		return err
	}
	files = append(files, file{"index.json", index}, file{blob(digest), manifest}, file{blob(configName), config})
	var layerPaths []string
	for _, l := range layers {
		d, err := l.Digest()
		if err != nil {
			return err
		}
		rc, err := l.Compressed()
		if err != nil {
			return err
		}
		data, err := io.ReadAll(rc)
		_ = rc.Close()
		if err != nil {
			return err
		}
		files = append(files, file{blob(d), data})
		layerPaths = append(layerPaths, blob(d))
	}
	docker, err := json.Marshal([]tarball.Descriptor{{
		Config: blob(configName), RepoTags: []string{tag}, Layers: layerPaths,
	}})
	if err != nil {
		return err
	}
	files = append(files, file{"manifest.json", docker})
	return writeTar(out, files)
}

type file struct {
	name string
	data []byte
}

func blob(h v1.Hash) string { return path.Join("blobs", h.Algorithm, h.Hex) }

// refName is the tag part of an image reference ("latest" by default), as
// an OCI layout names its images.
func refName(ref string) string {
	for i := len(ref) - 1; i >= 0 && ref[i] != '/'; i-- {
		if ref[i] == ':' {
			return ref[i+1:]
		}
	}
	return "latest"
}

func writeTar(out string, files []file) (err error) {
	if err := os.MkdirAll(path.Dir(out), 0o755); err != nil {
		return err
	}
	f, err := os.Create(out + ".tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(out + ".tmp")
		}
	}()
	w := tar.NewWriter(f)
	for _, d := range []string{"blobs/", "blobs/sha256/"} {
		hdr := &tar.Header{Typeflag: tar.TypeDir, Name: d, Mode: 0o755, ModTime: time.Unix(0, 0)}
		if err := w.WriteHeader(hdr); err != nil {
			return err
		}
	}
	for _, fl := range files {
		if err := w.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: fl.name, Mode: 0o644, Size: int64(len(fl.data)),
			ModTime: time.Unix(0, 0)}); err != nil {
			return err
		}
		if _, err := w.Write(fl.data); err != nil {
			return err
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(out+".tmp", out)
}
