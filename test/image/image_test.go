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

// Package image tests `make image`: the tar it writes is read back with
// go-containerregistry both as an OCI layout and as `docker save` output,
// and the binary inside runs.
package image

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

var root = filepath.Join("..", "..")

const tag = "registry.example/restapi-operator:test"

func makeImage(t *testing.T, out string) {
	t.Helper()
	cmd := exec.Command("make", "--no-print-directory", "-C", root, "image", "IMG="+tag, "IMAGE_TAR="+out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make image: %v\n%s", err, b)
	}
}

func TestMakeImage(t *testing.T) {
	dir := t.TempDir()
	tarPath := filepath.Join(dir, "manager-image.tar")
	makeImage(t, tarPath)

	// As an OCI layout (crane push, skopeo oci-archive:, podman load).
	oci := filepath.Join(dir, "layout")
	untar(t, tarPath, oci)
	index, err := layout.ImageIndexFromPath(oci)
	if err != nil {
		t.Fatalf("not an OCI layout: %v", err)
	}
	im, err := index.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 1 || im.Manifests[0].MediaType != types.OCIManifestSchema1 {
		t.Fatalf("index: %+v", im.Manifests)
	}
	if got := im.Manifests[0].Annotations["io.containerd.image.name"]; got != tag {
		t.Errorf("the layout names the image %q, want %q", got, tag)
	}
	img, err := index.Image(im.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}

	// As `docker save` output (docker load, kind load image-archive).
	ref, err := name.NewTag(tag)
	if err != nil {
		t.Fatal(err)
	}
	docker, err := tarball.ImageFromPath(tarPath, &ref)
	if err != nil {
		t.Fatalf("docker load would refuse it: %v", err)
	}
	a, errA := img.ConfigName()
	b, errB := docker.ConfigName()
	if errA != nil || errB != nil || a != b {
		t.Errorf("the OCI layout and the docker manifest disagree on the config: %v %v (%v %v)", a, b, errA, errB)
	}

	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.OS != "linux" || cf.Architecture != runtime.GOARCH {
		t.Errorf("platform %s/%s, want linux/%s", cf.OS, cf.Architecture, runtime.GOARCH)
	}
	if cf.Config.User != "65532:65532" {
		t.Errorf("user %q: the manager must not run as root", cf.Config.User)
	}
	if strings.Join(cf.Config.Entrypoint, " ") != "/manager" || len(cf.Config.Cmd) != 0 {
		t.Errorf("entrypoint %v cmd %v", cf.Config.Entrypoint, cf.Config.Cmd)
	}
	if mt, _ := img.MediaType(); mt != types.OCIManifestSchema1 {
		t.Errorf("manifest media type %s", mt)
	}

	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	if len(layers) != 1 {
		t.Fatalf("%d layers, want one: the binary", len(layers))
	}
	files := filesOf(t, layers[0])
	if len(files) != 1 || files[0].hdr.Name != "manager" {
		names := make([]string, 0, len(files))
		for _, f := range files {
			names = append(names, f.hdr.Name)
		}
		t.Fatalf("the layer holds %v: want the manager alone (no shell, nothing else)", names)
	}
	hdr := files[0].hdr
	if hdr.Mode&0o777 != 0o755 || hdr.Uid != 65532 || hdr.Gid != 65532 {
		t.Errorf("manager: mode %o uid %d gid %d", hdr.Mode, hdr.Uid, hdr.Gid)
	}

	// The binary inside runs.
	bin := filepath.Join(dir, "manager")
	if err := os.WriteFile(bin, files[0].data, 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("/manager --help: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "-metrics-bind-address") {
		t.Errorf("/manager --help does not list the manager's flags:\n%s", out)
	}
	// Static: no interpreter to find in an image that holds nothing else.
	if ldd, err := exec.Command("ldd", bin).CombinedOutput(); err == nil && !strings.Contains(string(ldd), "not a dynamic executable") {
		t.Errorf("the manager is linked dynamically:\n%s", ldd)
	}
}

// TestImageIsReproducible: the same binary gives the same digest.
func TestImageIsReproducible(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "manager")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, "./cmd")
	build.Dir, build.Env = root, append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	digests := make([]string, 0, 2)
	for i := range 2 {
		out := filepath.Join(dir, string(rune('a'+i))+".tar")
		run := exec.Command("go", "run", "./hack/image", "-binary", bin, "-arch", runtime.GOARCH, "-tag", tag, "-out", out)
		run.Dir = root
		b, err := run.CombinedOutput()
		if err != nil {
			t.Fatalf("hack/image: %v\n%s", err, b)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		digest := regexp.MustCompile(`sha256:[0-9a-f]{64}`).FindString(string(b))
		if digest == "" {
			t.Fatalf("hack/image printed no digest: %s", b)
		}
		digests = append(digests, digest)
		if i == 1 {
			first, _ := os.ReadFile(filepath.Join(dir, "a.tar"))
			if !bytes.Equal(first, data) {
				t.Errorf("two images of one binary differ")
			}
		}
	}
	if digests[0] != digests[1] {
		t.Errorf("digests differ: %q %q", digests[0], digests[1])
	}
}

type entry struct {
	hdr  *tar.Header
	data []byte
}

func filesOf(t *testing.T, l v1.Layer) []entry {
	t.Helper()
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rc.Close() }()
	var out []entry
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, entry{h, data})
	}
}

func untar(t *testing.T, src, dst string) {
	t.Helper()
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dst, filepath.FromSlash(h.Name))
		if !strings.HasPrefix(p, filepath.Clean(dst)+string(os.PathSeparator)) {
			t.Fatalf("tar entry %q leaves the directory", h.Name)
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			data, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
