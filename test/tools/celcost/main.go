// celcost: reads {"policy": <ValidatingAdmissionPolicy>, "objects": [{"name", "operation",
// "object", "oldObject", "params"}]} on stdin and prints, for each object, the CEL cost the API server
// charges when it evaluates the policy: its matchConditions, its validations (in one
// evaluation, sharing the variables, as the API server runs them) and its messageExpressions,
// plus each validation's cost on its own (with the variables it reads). It compiles the policy
// the way k8s.io/apiserver's validating admission plugin does (compilePolicy in plugin.go) and
// evaluates with the same budget constant.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	admissionv1 "k8s.io/api/admission/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/admission"
	plugincel "k8s.io/apiserver/pkg/admission/plugin/cel"
	"k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	"k8s.io/apiserver/pkg/admission/plugin/webhook/matchconditions"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/cel/environment"
)

type input struct {
	Policy  admissionregistrationv1.ValidatingAdmissionPolicy `json:"policy"`
	Objects []struct {
		Name      string         `json:"name"`
		Operation string         `json:"operation"`
		Object    map[string]any `json:"object"`
		OldObject map[string]any `json:"oldObject"`
		// Params: the binding's parameter object (for a policy with paramKind).
		Params map[string]any `json:"params"`
	} `json:"objects"`
}

type result struct {
	Name string `json:"name"`
	// MatchConditions: cost of the policy's matchConditions; Matched: whether they all held.
	MatchConditions int64 `json:"matchConditions"`
	Matched         bool  `json:"matched"`
	// Validations: cost of every validation in one evaluation (what counts against the budget).
	Validations int64 `json:"validations"`
	// Messages: cost of the messageExpressions (the API server evaluates all of them).
	Messages int64 `json:"messages"`
	// PerValidation: each validation evaluated alone, with the variables it reads.
	PerValidation []int64 `json:"perValidation"`
	// Failed: indexes of the validations that evaluated to false or failed.
	Failed []int    `json:"failed"`
	Errors []string `json:"errors,omitempty"`
}

type output struct {
	PerCallLimit         int64    `json:"perCallLimit"`
	RuntimeCELCostBudget int64    `json:"runtimeCelCostBudget"`
	Results              []result `json:"results"`
}

func main() {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fail("reading stdin: %v", err)
	}
	spec := in.Policy.Spec
	// StrictCostEnforcementForVAP is GA (locked on) in 1.34.
	const strictCost = true
	hasParams := spec.ParamKind != nil
	filterVars := plugincel.OptionalVariableDeclarations{HasParams: hasParams, HasAuthorizer: true, StrictCost: strictCost}
	messageVars := plugincel.OptionalVariableDeclarations{HasParams: hasParams, HasAuthorizer: false, StrictCost: strictCost}
	newCompiler := func() *plugincel.CompositedCompiler {
		compiler, err := plugincel.NewCompositedCompiler(environment.MustBaseEnvSet(environment.DefaultCompatibilityVersion(), strictCost))
		if err != nil {
			fail("creating the compiler: %v", err)
		}
		variables := make([]plugincel.NamedExpressionAccessor, len(spec.Variables))
		for i, v := range spec.Variables {
			variables[i] = &validating.Variable{Name: v.Name, Expression: v.Expression}
		}
		compiler.CompileAndStoreVariables(variables, filterVars, environment.StoredExpressions)
		return compiler
	}
	compiler := newCompiler()
	validations := make([]plugincel.ExpressionAccessor, len(spec.Validations))
	messages := make([]plugincel.ExpressionAccessor, len(spec.Validations))
	for i, v := range spec.Validations {
		validations[i] = &validating.ValidationCondition{Expression: v.Expression, Message: v.Message}
		if v.MessageExpression != "" {
			messages[i] = &validating.MessageExpressionCondition{MessageExpression: v.MessageExpression}
		}
	}
	conditions := make([]plugincel.ExpressionAccessor, len(spec.MatchConditions))
	for i := range spec.MatchConditions {
		conditions[i] = (*matchconditions.MatchCondition)(&spec.MatchConditions[i])
	}
	matchFilter := compiler.CompileCondition(conditions, filterVars, environment.StoredExpressions)
	validationFilter := compiler.CompileCondition(validations, filterVars, environment.StoredExpressions)
	messageFilter := compiler.CompileCondition(messages, messageVars, environment.StoredExpressions)
	for _, f := range []plugincel.ConditionEvaluator{matchFilter, validationFilter, messageFilter} {
		for _, err := range f.CompilationErrors() {
			fail("compiling the policy: %v", err)
		}
	}
	single := make([]plugincel.ConditionEvaluator, len(validations))
	for i := range validations {
		single[i] = newCompiler().CompileCondition(validations[i:i+1], filterVars, environment.StoredExpressions)
	}

	out := output{PerCallLimit: celconfig.PerCallLimit, RuntimeCELCostBudget: celconfig.RuntimeCELCostBudget}
	for _, o := range in.Objects {
		attr, request := attributes(in.Policy.Spec.MatchConstraints, o.Operation, o.Object, o.OldObject)
		r := result{Name: o.Name, Matched: true}
		bindings := plugincel.OptionalVariableBindings{}
		if o.Params != nil {
			bindings.VersionedParams = &unstructured.Unstructured{Object: o.Params}
		}
		run := func(f plugincel.ConditionEvaluator) ([]plugincel.EvaluationResult, int64) {
			results, remaining, err := f.ForInput(context.Background(), attr, request, bindings, nil, celconfig.RuntimeCELCostBudget)
			if err != nil {
				r.Errors = append(r.Errors, err.Error())
				return nil, 0
			}
			return results, celconfig.RuntimeCELCostBudget - remaining
		}
		var matchResults []plugincel.EvaluationResult
		matchResults, r.MatchConditions = run(matchFilter)
		for _, m := range matchResults {
			if m.Error != nil || m.EvalResult == nil || m.EvalResult.Value() != true {
				r.Matched = false
			}
		}
		var validationResults []plugincel.EvaluationResult
		validationResults, r.Validations = run(validationFilter)
		for i, v := range validationResults {
			if v.Error != nil {
				r.Errors = append(r.Errors, fmt.Sprintf("validation %d: %v", i, v.Error))
			}
			if v.Error != nil || v.EvalResult == nil || v.EvalResult.Value() != true {
				r.Failed = append(r.Failed, i)
			}
		}
		_, r.Messages = run(messageFilter)
		for _, f := range single {
			_, cost := run(f)
			r.PerValidation = append(r.PerValidation, cost)
		}
		out.Results = append(out.Results, r)
	}
	encoder := json.NewEncoder(os.Stdout)
	encoder.SetIndent("", "  ")
	if err := encoder.Encode(out); err != nil {
		fail("writing stdout: %v", err)
	}
}

func attributes(constraints *admissionregistrationv1.MatchResources, operation string, object, oldObject map[string]any) (*admission.VersionedAttributes, *admissionv1Request) {
	obj := &unstructured.Unstructured{Object: object}
	gvk := obj.GroupVersionKind()
	resource := "mcpserverentries"
	if constraints != nil && len(constraints.ResourceRules) > 0 && len(constraints.ResourceRules[0].Resources) > 0 {
		resource = constraints.ResourceRules[0].Resources[0]
	}
	gvr := schema.GroupVersionResource{Group: gvk.Group, Version: gvk.Version, Resource: resource}
	var old runtime.Object
	if oldObject != nil {
		old = &unstructured.Unstructured{Object: oldObject}
	}
	op := admission.Create
	if operation == "UPDATE" {
		op = admission.Update
	}
	attr := admission.NewAttributesRecord(obj, old, gvk, obj.GetNamespace(), obj.GetName(), gvr, "", op, nil, false, &user.DefaultInfo{Name: "celcost"})
	versioned := &admission.VersionedAttributes{Attributes: attr, VersionedObject: obj, VersionedOldObject: old, VersionedKind: gvk}
	request := plugincel.CreateAdmissionRequest(attr, metav1.GroupVersionResource(gvr), metav1.GroupVersionKind(gvk))
	return versioned, request
}

type admissionv1Request = admissionv1.AdmissionRequest

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "celcost: "+format+"\n", args...)
	os.Exit(1)
}
