import type { Cloud } from '../../shared/cloud.ts';

/** A choice of kubeconfig context, each with its cloud; `placeholder` offers "none chosen yet". */
export function ContextPicker(props: { label: string; value: string; contexts: readonly { context: string; cloud: Cloud }[]; onChange(context: string): void; placeholder?: string }) {
  const { label, value, contexts, onChange, placeholder } = props;
  return (
    <select aria-label={label} value={value} onChange={(e) => onChange(e.target.value)}>
      {placeholder !== undefined && <option value="">{placeholder}</option>}
      {contexts.map((c) => (
        <option key={c.context} value={c.context}>
          {c.context} ({c.cloud.toUpperCase()})
        </option>
      ))}
    </select>
  );
}
