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

package controller

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/render"
)

// corpusDir is the committed seed corpus of render.FuzzRender.
var corpusDir = filepath.Join("..", "render", "testdata", "fuzz", "FuzzRender")

// readCorpusEntry decodes one "go test fuzz v1" file into its values.
func readCorpusEntry(path string) []any {
	GinkgoHelper()
	raw, err := os.ReadFile(path)
	Expect(err).NotTo(HaveOccurred())
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	Expect(lines[0]).To(Equal("go test fuzz v1"))
	var out []any
	for _, l := range lines[1:] {
		typ, val, ok := strings.Cut(strings.TrimSuffix(l, ")"), "(")
		Expect(ok).To(BeTrue(), "line %q", l)
		switch typ {
		case "string":
			s, err := strconv.Unquote(val)
			Expect(err).NotTo(HaveOccurred())
			out = append(out, s)
		case "uint8", "uint16":
			n, err := strconv.ParseUint(val, 0, 16)
			Expect(err).NotTo(HaveOccurred())
			out = append(out, n)
		case "bool":
			b, err := strconv.ParseBool(val)
			Expect(err).NotTo(HaveOccurred())
			out = append(out, b)
		default:
			Fail("unknown type " + typ)
		}
	}
	Expect(out).To(HaveLen(13), "FuzzRender takes 13 values")
	return out
}

func fuzzInput(v []any) render.FuzzInput {
	return render.FuzzInput{
		Name: v[0].(string), Image: v[1].(string),
		ModelPort: uint16(v[2].(uint64)), ViewPort: uint16(v[3].(uint64)), ControllerPort: uint16(v[4].(uint64)), RepoPort: uint16(v[5].(uint64)),
		EnvKey: v[6].(string), EnvValue: v[7].(string), BlueGreen: v[8].(bool), Autoscaling: v[9].(bool), Disabled: uint8(v[10].(uint64)),
		StorageSize: v[11].(string), MetricsNSLabel: v[12].(string),
	}
}

var _ = Describe("The renderers' fuzz seed corpus", func() {
	It("renders objects the API server accepts, for every seed", func() {
		files, err := filepath.Glob(filepath.Join(corpusDir, "*"))
		Expect(err).NotTo(HaveOccurred())
		Expect(files).NotTo(BeEmpty())
		cs, err := kubernetes.NewForConfig(cfg)
		Expect(err).NotTo(HaveOccurred())
		dry := metav1.ApplyOptions{FieldManager: "fuzz", DryRun: []string{metav1.DryRunAll}}
		for _, f := range files {
			r, ok := render.RestAPIFromFuzz(fuzzInput(readCorpusEntry(f)))
			if !ok {
				continue // a seed the API refuses exercises admission, not rendering
			}
			r.Namespace = newNamespace()
			where := fmt.Sprintf("seed %s", filepath.Base(f))

			By(where + ": the RestAPI itself passes the CRD's validation")
			obj := r.DeepCopy()
			obj.UID = ""
			Expect(k8sClient.Create(ctx, obj, &client.CreateOptions{DryRun: []string{metav1.DryRunAll}})).To(Succeed(), where)

			for _, colour := range []apiv1.Environment{"", apiv1.EnvironmentBlue, apiv1.EnvironmentGreen} {
				for _, c := range render.Desired(r, colour) {
					_, err := cs.CoreV1().ConfigMaps(r.Namespace).Apply(ctx, c.ConfigMap, dry)
					Expect(err).NotTo(HaveOccurred(), "%s: ConfigMap %s", where, *c.ConfigMap.Name)
					_, err = cs.AppsV1().Deployments(r.Namespace).Apply(ctx, c.Deployment, dry)
					Expect(err).NotTo(HaveOccurred(), "%s: Deployment %s", where, *c.Deployment.Name)
				}
			}
			for _, svc := range render.Services(r, apiv1.EnvironmentBlue, apiv1.EnvironmentGreen, true) {
				_, err := cs.CoreV1().Services(r.Namespace).Apply(ctx, svc, dry)
				Expect(err).NotTo(HaveOccurred(), "%s: Service %s", where, *svc.Name)
			}
			for _, np := range render.NetworkPolicies(r, "") {
				_, err := cs.NetworkingV1().NetworkPolicies(r.Namespace).Apply(ctx, np, dry)
				Expect(err).NotTo(HaveOccurred(), "%s: NetworkPolicy %s", where, *np.Name)
			}
			for _, c := range r.Spec.Components() {
				if a := render.ResolveAutoscaling(r, c); a != nil && c.IsEnabled() {
					_, err := cs.AutoscalingV2().HorizontalPodAutoscalers(r.Namespace).Apply(ctx, render.HPA(r, c.Name, a, apiv1.EnvironmentBlue, a.MinReplicas), dry)
					Expect(err).NotTo(HaveOccurred(), "%s: HPA of %s", where, c.Name)
				}
			}
			if claim := render.Claim(r); claim != nil {
				_, err := cs.CoreV1().PersistentVolumeClaims(r.Namespace).Apply(ctx, claim, dry)
				Expect(err).NotTo(HaveOccurred(), "%s: claim", where)
			}
		}
	})
})
