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

package docs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/render"
)

// TestThePeerURLsDocumentedAreTheOnesWritten: docs/decisions.md gives the
// shape of the peer URLs in every colour's ConfigMap, with blue-green and
// without; the shape is read back from what render writes.
func TestThePeerURLsDocumentedAreTheOnesWritten(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(root, "docs", "decisions.md"))
	if err != nil {
		t.Fatal(err)
	}
	r := &apiv1.RestAPI{ObjectMeta: metav1.ObjectMeta{Name: "shop", Namespace: "prod"}, Spec: apiv1.RestAPISpec{Image: "shop:1"}}
	shape := strings.NewReplacer("shop", "<name>", "model", "<peer>", "blue", "<colour>", "prod", "<namespace>", "8080", "<port>")
	for _, colour := range []apiv1.Environment{apiv1.EnvironmentBlue, ""} {
		for _, c := range render.Desired(r, colour) {
			if c.Settings.Name != apiv1.ComponentView {
				continue
			}
			url := c.ConfigMap.Data["MODEL_URL"]
			if url == "" {
				t.Fatalf("colour %q: no MODEL_URL in %v", colour, c.ConfigMap.Data)
			}
			if want := "`" + shape.Replace(url) + "`"; !strings.Contains(string(doc), want) {
				t.Errorf("docs/decisions.md does not give the peer URLs of colour %q as written: want %s (from %s)", colour, want, url)
			}
		}
	}
}
