// Kubernetes' CEL libraries return values of their own types (a URL, an IP, a CIDR, a Quantity)
// that rules can only inspect through methods. The CEL library we use types values by protobuf
// descriptor, so each Kubernetes type is a one-field message declared at start-up; the field holds
// a canonical text, which makes CEL's message equality agree with Kubernetes' (ip('::1') ==
// ip('0::1'), quantity('1') == quantity('1000m')).
import { create, createFileRegistry, type DescMessage } from '@bufbuild/protobuf';
import { reflect, type ReflectMessage } from '@bufbuild/protobuf/reflect';
import {
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FileDescriptorProtoSchema,
} from '@bufbuild/protobuf/wkt';
import { isReflectMessage } from '@bufbuild/protobuf/reflect';
import { objectType, type CelObjectType } from '@bufbuild/cel';

const packageName = 'kubernetes.cel';
const typeNames = ['URL', 'IP', 'CIDR', 'Quantity'] as const;
export type OpaqueTypeName = (typeof typeNames)[number];

const registry = createFileRegistry(
  create(FileDescriptorProtoSchema, {
    name: 'kubernetes_cel_opaque.proto',
    package: packageName,
    syntax: 'proto3',
    messageType: typeNames.map((name) => ({
      name,
      field: [
        {
          name: 'canonical',
          jsonName: 'canonical',
          number: 1,
          type: FieldDescriptorProto_Type.STRING,
          label: FieldDescriptorProto_Label.OPTIONAL,
        },
      ],
    })),
  }),
  () => undefined,
);

function descriptor(name: OpaqueTypeName): DescMessage {
  const desc = registry.getMessage(`${packageName}.${name}`);
  if (desc === undefined) throw new Error(`missing descriptor ${name}`);
  return desc;
}

export interface OpaqueType {
  readonly celType: CelObjectType;
  wrap(canonical: string): ReflectMessage;
  /** The canonical text of a value of this type, or undefined for any other value. */
  unwrap(value: unknown): string | undefined;
}

function opaqueType(name: OpaqueTypeName): OpaqueType {
  const desc = descriptor(name);
  const field = desc.fields[0];
  if (field === undefined) throw new Error(`descriptor ${name} has no field`);
  return {
    celType: objectType(desc),
    wrap: (canonical) => reflect(desc, create(desc, { canonical })),
    unwrap(value) {
      if (!isReflectMessage(value) || value.desc.typeName !== desc.typeName) return undefined;
      const text = value.get(field);
      return typeof text === 'string' ? text : undefined;
    },
  };
}

export const opaqueRegistry = registry;
export const urlType = opaqueType('URL');
export const ipType = opaqueType('IP');
export const cidrType = opaqueType('CIDR');
export const quantityType = opaqueType('Quantity');
