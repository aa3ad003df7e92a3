/**
 * The closed word classes of English plus the open-class words referring expressions use most, for the rule-based
 * tagger. Words not listed here default to nouns (the open class that dominates referring expressions), with
 * suffix rules for -ing/-ed participles, -est superlatives, -ly adverbs and a few adjective endings.
 */

const set = (words: string): ReadonlySet<string> => new Set(words.trim().split(/\s+/));

export const DETERMINERS = set(`
  a an the this that these those some any each every no another both all either neither
  my your his her its our their such what
  several many few much enough
`);

export const NUMBER_WORDS = set(`
  one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen twenty dozen
  couple pair
`);

/** Ordinals (the `ordinal` of a "second from left" cue), with their value. */
export const ORDINALS: ReadonlyMap<string, number> = new Map([
  ['first', 1], ['second', 2], ['third', 3], ['fourth', 4], ['fifth', 5], ['sixth', 6], ['seventh', 7],
  ['eighth', 8], ['ninth', 9], ['tenth', 10], ['1st', 1], ['2nd', 2], ['3rd', 3], ['4th', 4], ['5th', 5],
  ['6th', 6], ['7th', 7], ['8th', 8], ['9th', 9], ['10th', 10], ['last', -1],
]);

export const PRONOUNS = set(`
  it this that he she they them him we you i me us there someone something somebody anyone anything nothing
  everyone everything itself himself herself themselves
`);

/** Pronouns that can head the subject of a clause ("it is 2 black suitcases", "this is the giraffe"). */
export const SUBJECT_PRONOUNS = set('it this that he she they we you i there these those someone something');

/** Prepositions and the particles that behave like them in referring expressions. */
export const PREPOSITIONS = set(`
  in on at with without of near by beside besides behind above below under underneath beneath over from to
  towards toward into onto inside outside between among amongst around across along against upon off out
  through throughout next for like unlike than about after before past beyond within via up down
  infront atop alongside nearby opposite except including ahead beyond
`);

export const COORDINATORS = set('and or but nor & plus');

/** Words that open a relative or subordinate clause after a noun. */
export const RELATIVES = set('that which who whom whose where when while whilst because although though if as');

/** Auxiliaries and copulas: a following participle is the clause's main verb; alone they are the ROOT. */
export const BE_FORMS = set("is are was were be been am 're isnt arent wasnt");
export const HAVE_FORMS = set('has have had');
export const MODALS = set('can could will would may might must shall should do does did cannot cant');

export const ADVERBS = set(`
  very really quite just only also too almost nearly partially partly slightly mostly fully barely
  directly immediately right actually currently still not never always even so rather somewhat kind sort
  away back together apart alone here now then again already maybe perhaps probably
  more most less least extremely super pretty fairly
`);

/** Spatial words (the direction vocabulary); they modify a noun when one follows. */
export const SPATIAL = set(`
  left right top bottom middle center centre central upper lower front back rear far mid
  leftmost rightmost topmost bottommost uppermost lowermost foremost furthest farthest closest nearest
  backmost frontmost inner outer
`);

/** Spatial words that head a noun phrase when nothing else does ("the back of the chair", "top right corner"). */
export const SPATIAL_NOUNS = set('top bottom middle center centre front back rear side corner edge end half part');

export const COLOURS = set(`
  red blue green yellow orange purple pink brown black white gray grey tan beige silver gold golden maroon navy
  teal turquoise violet cream khaki olive lime aqua cyan magenta burgundy blonde blond brunette ivory
  bronze copper crimson indigo lavender peach coral charcoal dark light bright pale neon multicolored
  multicolor multicoloured colorful colourful
`);

/** Colours (and a few other adjectives) that are also nouns: at the end of a noun run they head it. */
export const NOUN_CAPABLE_ADJECTIVES = set(
  'orange light cream gold lime olive khaki silver top bottom center centre front back rear half baby adult male female',
);

export const ADJECTIVES = set(`
  big small large little tiny huge giant tall short long wide narrow thin thick fat skinny young old new
  older younger elderly adult baby empty full whole entire open closed clear blurry blurred fuzzy sharp
  dark light bright shiny dull wet dry clean dirty hot cold warm cool fresh raw ripe rotten cooked fried
  striped stripped plaid checkered spotted dotted floral patterned solid plain round square flat curved
  straight tilted upright wooden metallic plastic furry fluffy
  hairy bald bearded curly blond blonde tan tanned sad happy smiling angry serious cute pretty ugly
  beautiful handsome asian african american indian japanese chinese mexican french italian
  male female other same different main only single double triple few many several
  closest nearest furthest farthest biggest smallest largest tallest shortest longest highest lowest
  bigger smaller larger taller shorter longer higher closer nearer further farther darker lighter wider
  brighter thinner thicker fuller emptier heavier
  visible partial half partial whole total complete broken cracked sliced cut chopped shredded grilled
  toasted baked glazed frosted powdered sugared iced stuffed
  electric digital wireless remote giant mini miniature standard regular extra
  upside inside outside backwards forwards sideways
  alone awake asleep alive ready dead live
  next previous last first second third
  own real fake main top bottom front back rear side
  artistic colorful colourful decorative decorated classic electric metallic exotic organic ceramic athletic
  realistic antique public plastic elastic male female circular rectangular triangular regular similar popular
  wild domestic tame
  nude naked shirtless topless barefoot
  sleeveless hooded
`);

/** -ing words that are nouns ("building", "ceiling", "clothing"). */
export const ING_NOUNS = set(`
  building ceiling clothing painting railing ring thing wing king string sibling pudding icing frosting topping
  toppings dressing stuffing awning evening morning spring swing earring earrings sling seedling duckling
  wedding bedding railing ceiling lighting housing filling stocking stockings legging leggings sting
  offering opening crossing landing siding shading marking markings carving carvings drawing
  drawings painting paintings building buildings ring rings thing things wing wings swings king kings
  bing ping darling sapling pudding dumpling dumplings herring shilling ceiling ceilings
`);

/** -ed words that are nouns or plain adjectives, not participles. */
export const ED_WORDS = set(`
  bed shed sled red bread head seed weed speed steed need feed deed reed fed wed embed sofabed sped bred
  fled shred
  hundred kindred naked wicked sacred rugged ragged jagged crooked beloved bedspread flatbed seabed
`);

/** -er words that are comparative adjectives (every other -er word defaults to a noun: player, batter). */
export const COMPARATIVES = set(`
  bigger smaller larger taller shorter longer higher lower closer nearer further farther darker lighter
  wider brighter thinner thicker fuller older younger newer heavier upper inner outer other
`);

/** -est words that are nouns. */
export const EST_NOUNS = set('chest vest forest nest guest test crest west pest quest contest interest harvest');

/**
 * Third-person finite verbs that, right after a subject noun, make the clause's ROOT ("a man runs behind a girl").
 * Only forms that are rarely plural nouns in referring expressions are listed ("bats", "skis", "swings" are not).
 */
export const VERB_3SG = set(`
  sits stands holds leans poses runs looks wears eats rides carries lies lays smiles talks hangs flies
  swims jumps sleeps reaches waits grabs throws catches touches seems appears contains belongs stares grazes
  hugs kisses chases follows bites hides peeks climbs serves stays sings dances laughs cries falls skates
  walks plays watches uses reads holds has does goes comes gets takes makes gives tries wants needs
`);

/** Base forms of the verbs above, for plural subjects ("two men sit on a bench") and -ing derivations. */
export const VERB_BASE = set(`
  sit stand hold lean pose run look wear eat ride carry lie lay rest smile talk hang fly swim jump sleep
  reach wait grab throw catch touch seem appear contain belong stare graze hug kiss chase follow bite hide
  peek climb serve stay sing dance laugh cry fall skate walk play watch use read
`);

/** Simple-past forms that are not also participles, so after a subject they make a clause. */
export const PAST_FINITE = set('sat stood wore ate rode ran lay sang drank fell flew swam grew threw took gave');

/** Base-form verbs that can follow a plural subject ("two men sit on a bench"). */
export const PLURAL_VERB_BASE = set('sit stand lie lean walk eat wear hold look play ride carry sleep graze wait rest');

/**
 * -ing verbs that take an object: at the very start of an expression ("holding a bat") they are the ROOT;
 * everywhere else before a noun an -ing word is a modifier ("sleeping cat"). Gerunds that commonly form compound
 * nouns ("cutting board", "drinking glass", "serving spoon") head the expression only before a determiner.
 */
const ingOf = (bases: string): Set<string> => {
  const out = new Set<string>();
  for (const base of bases.trim().split(/\s+/)) {
    const stem = base.endsWith('e') && !base.endsWith('ee') ? base.slice(0, -1) : base;
    out.add(`${stem}ing`);
    // doubled final consonant: hitting, petting, swimming
    if (/[^aeiou][aeiou][bdgmnprt]$/.test(base)) out.add(`${base}${base.at(-1)}ing`);
  }
  return out;
};
export const TRANSITIVE_ING: ReadonlySet<string> = ingOf(`hold wear carry use ride watch throw catch hit kick touch
  pet hug push pull grab reach chase follow drive play eat`);
export const COMPOUND_GERUNDS: ReadonlySet<string> = ingOf('cut cook serve drink read swing feed pitch make take give');

/** Plural nouns without an -s ending. */
export const IRREGULAR_PLURALS = set('men women people children feet teeth mice geese sheep fish deer police');

/** Words after which a following -s word cannot be a verb (singular determiners). */
export const SINGULAR_DETERMINERS = set('a an this that each every one another');

/** Body parts: "her left hand" is laterality, not a position in the image. */
export const BODY_PARTS = set(`
  hand hands arm arms leg legs foot feet shoe shoes ear ears eye eyes shoulder shoulders knee knees wrist wrists
  glove gloves wing wings hoof hooves paw paws tusk tusks thumb finger fingers elbow elbows hip hips cheek
  cheeks side sleeve sleeves boot boots sock socks horn horns
`);

export const POSSESSIVES = set('his her its their my your our');

/** Irregular past participles (regular ones are found by their -ed ending). */
export const PARTICIPLES = set(`
  seen held worn eaten taken written given driven ridden hidden fallen shown grown thrown built caught hung stuck
  drawn torn known spread laid kept made sold bought brought found led lit paid worn
`);

/** -ly words that are nouns, and -ly words that are adjectives (every other -ly word is an adverb). */
export const LY_NOUNS = set('family belly jelly lily bully rally assembly butterfly dragonfly firefly supply reply italy holly');
export const LY_ADJECTIVES = set('curly ugly friendly lonely silly early daily elderly lovely');

/** Nouns that an adjective-suffix rule (-able, -ish, -ic, -ive, -ese, -ous, -ful) would mistake. */
export const SUFFIX_NOUNS = set(`
  table tables cable vegetable vegetables stable fish dish dishes radish traffic music picnic clinic topic mosaic
  comic attic olive olives detective locomotive archive cheese geese mechanic graphic relic tunic spoonful
  handful mouthful
`);

/** Common misspellings of function words, mapped to the word meant. Content words are left as typed. */
export const FUNCTION_TYPOS: ReadonlyMap<string, string> = new Map([
  ['ith', 'with'], ['wiht', 'with'], ['wtih', 'with'], ['teh', 'the'], ['hte', 'the'],
  ['beind', 'being'], ['infront', 'in'], ['nxt', 'next'], ['tot', 'to'], ['fo', 'of'], ['fron', 'from'],
  ['besides', 'beside'], ['ont', 'on'], ['inthe', 'in'], ['onthe', 'on'], ['w/', 'with'], ['w', 'with'],
  ['thats', 'that'], ['whos', 'who'],
]);
