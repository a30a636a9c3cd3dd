// Package match finds the entities of the watch list (the federation, its
// events, its people, its member agencies) in French articles.
//
// Text is read as a sequence of folded words: lower case, no accents,
// apostrophes, hyphens and spaces of every kind as separators, "&" a word
// of its own, letters and digits in separate runs ("DEV&CO22" reads dev &
// co 22). Every alias, context word, exclude phrase and role title is
// compiled into one Aho-Corasick automaton over word ids, so a document is
// read once whatever the size of the roster. Candidates are then judged:
// word boundaries, case for case-sensitive aliases, web addresses,
// "Lire aussi" lines, exclude phrases, context words; among overlapping
// candidates the leftmost-longest wins.
//
// Rules, as a user would state them:
//   - an alias matches whatever the case and accents, unless it is
//     case_sensitive ("ADN", "CNER": then only as written, accents aside);
//   - an alias matches whole words only, never across sentence punctuation
//     or a line break, and across a comma only where it has one itself
//     ("Descartes, développement" is not "Descartes Développement");
//   - nothing is matched inside a web or e-mail address, nor on a line that
//     links to another article ("Lire aussi : …");
//   - an alias with an apostrophe also matches glued ("Lorr'Up", "LorrUp");
//   - an event alias also matches with an edition number glued to it
//     ("DEV&CO22", "Dev&co21");
//   - an alias with context words (its own, else its entity's) is kept only
//     when one of them stands within window words (anywhere when window is
//     0); a context word also matches its plural;
//   - an exclude phrase near an occurrence (within window words, anywhere
//     when 0) vetoes it; an exclude phrase that contains the alias itself
//     ("l'ADN de") vetoes only the occurrences it covers;
//   - a person's role title ("président du CNER") without a name beside it
//     is credited to whoever held it when the article was published, unless
//     a qualifier precedes it ("ancien", "vice-"), a year follows it, or two
//     people held it that day.
//
// Match returns one mention per entity: its first occurrence in reading
// order with a snippet, its count, and a kind of mention from simple rules
// (see mentionRole). Explain lists every candidate and the reason it was
// kept or dropped. Matching an article again (after the watch list
// changed) is Match on its stored fields.
package match
