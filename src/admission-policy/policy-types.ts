// The parts of admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy the generator writes.

export interface PolicyVariable {
  readonly name: string;
  readonly expression: string;
}

export interface PolicyValidation {
  readonly expression: string;
  readonly messageExpression: string;
}
