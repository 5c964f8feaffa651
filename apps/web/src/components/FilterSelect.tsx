/** One choice of a `FilterSelect`: the value it filters by and what the list shows. */
export interface FilterOption<Value extends string> {
  value: Value;
  label: string;
}

/**
 * A labelled filter picker: "all" (the empty value, `allLabel`) or one of `options`. The audit log's
 * action, actor and target filters and the members list's role filter.
 */
export function FilterSelect<Value extends string>({
  label,
  allLabel,
  options,
  value,
  onChange,
}: {
  label: string;
  allLabel: string;
  options: readonly FilterOption<Value>[];
  value: Value | '';
  onChange: (value: Value | '') => void;
}) {
  return (
    <label className="field">
      <span>{label}</span>
      <select value={value} onChange={(event) => onChange(event.target.value as Value | '')}>
        <option value="">{allLabel}</option>
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </label>
  );
}
