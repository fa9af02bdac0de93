import { normalisePupilKey, pupilNameKey, storedPupilKey } from './pupil-key';

const CONCERN_A = '0a0a0a0a-0000-4000-8000-00000000000a';
const CONCERN_B = '0b0b0b0b-0000-4000-8000-00000000000b';

describe('pupil keys: what links concerns about the same pupil', () => {
  it('ignores case, accents, punctuation, word order and a class suffix (Latin names)', () => {
    for (const name of ['Amelia Okonkwo', 'OKONKWO Amelia', 'amelia.okonkwo', 'Amélia Okonkwo', 'Amelia Okonkwo (6B)', '  amelia   OKONKWO ']) {
      expect(normalisePupilKey(name)).toBe('name:amelia okonkwo');
    }
    expect(normalisePupilKey("Niamh O'Brien")).toBe('name:niamh obrien');
    expect(normalisePupilKey('Pupil 7')).not.toBe(normalisePupilKey('Pupil 8'));
  });

  it('keeps letters that have no decomposition, folded to the letters people type for them', () => {
    expect(normalisePupilKey('Łucja Nowak')).toBe('name:lucja nowak');
    expect(normalisePupilKey('Łucja Nowak')).toBe(normalisePupilKey('Lucja Nowak'));
    expect(normalisePupilKey('Søren Ødegård')).toBe(normalisePupilKey('Soren Odegard'));
    // Đ (Croatian) and Ð (Icelandic eth) look the same, and either may be typed.
    expect(normalisePupilKey('Đorđe Ðukić')).toBe(normalisePupilKey('Dorde Dukic'));
    expect(normalisePupilKey('Guðrún Þórsdóttir')).toBe(normalisePupilKey('Gudrun Thorsdottir'));
    expect(normalisePupilKey('Ahmet Yıldız')).toBe(normalisePupilKey('Ahmet Yildiz'));
    expect(normalisePupilKey('İpek Aksoy')).toBe(normalisePupilKey('Ipek Aksoy'));
    expect(normalisePupilKey('Lena Straße')).toBe(normalisePupilKey('LENA STRAẞE'));
  });

  it('treats typographic apostrophes like the typewriter one', () => {
    expect(normalisePupilKey('Niamh O’Brien')).toBe(normalisePupilKey("Niamh O'Brien"));
    expect(normalisePupilKey('Niamh Oʼbrien')).toBe(normalisePupilKey("Niamh O'Brien"));
  });

  it('keeps every letter of a name in another script, so different children never share a key', () => {
    const names = ['Дмитрий Иванов', 'Анна Петрова', 'Νίκος Παπαδόπουλος', 'محمد علي', 'أحمد علي', '王小明', '李小红', 'राम शर्मा', 'रमा शर्मा', '김민준', '山田 太郎'];
    const keys = names.map(normalisePupilKey);
    expect(new Set(keys).size).toBe(names.length);
    for (const key of keys) expect(key).not.toBe('name:');
    expect(normalisePupilKey('Дмитрий Иванов')).toBe('name:дмитрий иванов');
  });

  it('ignores case and word order in other scripts too', () => {
    expect(normalisePupilKey('ИВАНОВ Дмитрий')).toBe(normalisePupilKey('Дмитрий Иванов'));
    expect(normalisePupilKey('Дмитрий Иванов (6B)')).toBe(normalisePupilKey('дмитрий иванов'));
    // Greek capitals are written without accents, and Σ lower-cases to ς or σ by position.
    expect(normalisePupilKey('ΝΙΚΟΣ ΠΑΠΑΔΟΠΟΥΛΟΣ')).toBe(normalisePupilKey('Νίκος Παπαδόπουλος'));
    expect(normalisePupilKey('ΝΙΚΟΣ.ΠΑΠΑΔΟΠΟΥΛΟΣ')).toBe(normalisePupilKey('Νίκος Παπαδόπουλος'));
    expect(normalisePupilKey('山田 太郎')).toBe(normalisePupilKey('太郎 山田'));
  });

  it('does not split a word at its vowel signs or at invisible joiners', () => {
    // Devanagari vowel signs are marks: they belong to the word, they do not separate words.
    expect(normalisePupilKey('राम')).toBe('name:राम');
    // A zero-width non-joiner or a soft hyphen changes how a name looks, not which name it is.
    expect(normalisePupilKey('Anna\u00ADbelle Smith')).toBe(normalisePupilKey('Annabelle Smith'));
    expect(normalisePupilKey('مهر\u200Cناز')).toBe(normalisePupilKey('مهرناز'));
  });

  it('gives a name with no letter or digit no key of its own: it links to nothing', () => {
    for (const name of ['???', '-', '(6B)', '…', "'", '🙂']) {
      expect(pupilNameKey(name)).toBeUndefined();
      // Looked up (a filter, an export, the bot's "pupil" command), it matches no stored pupil…
      const lookup = normalisePupilKey(name);
      expect(lookup).not.toMatch(/^name:/);
      expect(lookup).not.toBe(storedPupilKey(name, CONCERN_A, 0));
    }
    // …and stored, it is this concern's pupil at this position only.
    expect(storedPupilKey('???', CONCERN_A, 0)).not.toBe(storedPupilKey('???', CONCERN_B, 0));
    expect(storedPupilKey('???', CONCERN_A, 0)).not.toBe(storedPupilKey('-', CONCERN_A, 1));
    expect(storedPupilKey('Łucja Nowak', CONCERN_A, 3)).toBe('name:lucja nowak');
  });
});
