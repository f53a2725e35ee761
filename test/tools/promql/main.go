// promql-check reads Prometheus rule groups (a PrometheusRule object or a rules file) on stdin
// and checks what Prometheus itself would refuse at load time: each expression parses with
// Prometheus's own PromQL parser, `for` is a duration, and each label and annotation template
// parses as a Go template with the functions Prometheus offers. It prints one line per rule
// (`alert <name>: ok`) or the errors, and exits 1 if any rule is invalid.
package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"text/template"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"
	"sigs.k8s.io/yaml"
)

type rule struct {
	Alert       string            `json:"alert"`
	Record      string            `json:"record"`
	Expr        string            `json:"expr"`
	For         string            `json:"for"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
}

type group struct {
	Name  string `json:"name"`
	Rules []rule `json:"rules"`
}

type document struct {
	Groups []group `json:"groups"`
	Spec   struct {
		Groups []group `json:"groups"`
	} `json:"spec"`
}

// The template functions Prometheus defines for alert templates (template/template.go); only
// their names matter for parsing.
var templateFuncs = template.FuncMap{}

func init() {
	for _, name := range []string{
		"query", "first", "label", "value", "strvalue", "args", "reReplaceAll", "safeHtml",
		"match", "title", "toUpper", "toLower", "graphLink", "tableLink", "sortByLabel",
		"stripPort", "stripDomain", "humanize", "humanize1024", "humanizeDuration",
		"humanizePercentage", "humanizeTimestamp", "toTime", "toDuration", "pathPrefix",
		"externalURL", "parseDuration",
	} {
		templateFuncs[name] = func(...any) any { return nil }
	}
}

func main() {
	input, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var doc document
	if err := yaml.Unmarshal(input, &doc); err != nil {
		fmt.Fprintln(os.Stderr, "not YAML:", err)
		os.Exit(2)
	}
	groups := append(doc.Groups, doc.Spec.Groups...)
	if len(groups) == 0 {
		fmt.Fprintln(os.Stderr, "no rule groups")
		os.Exit(2)
	}
	failed := false
	for _, g := range groups {
		for _, r := range g.Rules {
			name := "alert " + r.Alert
			if r.Record != "" {
				name = "record " + r.Record
			}
			var problems []string
			if _, err := parser.ParseExpr(r.Expr); err != nil {
				problems = append(problems, "expr: "+err.Error())
			}
			if r.For != "" {
				if _, err := model.ParseDuration(r.For); err != nil {
					problems = append(problems, "for: "+err.Error())
				}
			}
			for kind, texts := range map[string]map[string]string{"label": r.Labels, "annotation": r.Annotations} {
				for key, text := range texts {
					// Prometheus prepends variable definitions to every template.
					full := "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$value := .Value}}" + text
					if _, err := template.New(key).Funcs(templateFuncs).Parse(full); err != nil {
						problems = append(problems, kind+" "+key+": "+err.Error())
					}
				}
			}
			if len(problems) > 0 {
				failed = true
				fmt.Printf("%s: %s\n", name, strings.Join(problems, "; "))
			} else {
				fmt.Printf("%s: ok\n", name)
			}
		}
	}
	if failed {
		os.Exit(1)
	}
}
