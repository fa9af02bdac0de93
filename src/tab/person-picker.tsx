import { useEffect, useRef, useState } from 'react';
import { Combobox, Field, useComboboxFilter } from '@fluentui/react-components';

/**
 * A person chosen by typing part of their name: a school may have 200 staff, too many to scroll
 * a plain list for. Only someone from the list can be chosen (no free text); the value is their id.
 */
export function PersonPicker({ label, required, error, value, onChange, options }: { label: string; required?: boolean; error?: string; value: string; onChange: (value: string) => void; options: readonly { id: string; title: string }[] }) {
  const [query, setQuery] = useState(() => options.find((o) => o.id === value)?.title ?? '');
  // The form empties its answers once one is recorded: the box empties too (but not while typing).
  const typing = useRef(false);
  useEffect(() => {
    if (!value && !typing.current) setQuery('');
    typing.current = false;
  }, [value]);
  const children = useComboboxFilter(
    query,
    options.map((o) => ({ value: o.id, children: o.title })),
    { noOptionsMessage: 'Nobody of that name. People appear once they have chatted with Jigsaw.', optionToText: (o) => String(o.children) },
  );
  return (
    <Field label={label} required={required} validationMessage={error} hint="Type part of a name, then choose from the list.">
      <Combobox
        // In the form, not a portal over the page: a portal left behind covered the submit button.
        inlinePopup
        value={query}
        selectedOptions={value ? [value] : []}
        onChange={(e) => {
          setQuery(e.target.value);
          typing.current = true;
          if (value) onChange(''); // typing again un-chooses: what is sent is only ever someone chosen from the list
        }}
        onOptionSelect={(_, d) => {
          setQuery(d.optionText ?? '');
          onChange(d.optionValue ?? '');
        }}
      >
        {children}
      </Combobox>
    </Field>
  );
}
