"""The judged queries: what journalists, researchers and educators ask, with graded moments.

Written from the story texts (corpus_en.py, corpus_es.py) before any search
was run. Each judgment names a testimony, the sentences of the moment (as
numbered in the corpus, from 0) and a grade: 3 the moment asked for, 2 a
relevant moment, 1 related. Only public testimonies are judged: the bench
asks as an anonymous visitor.

Classes: natural (a question in a sentence), paraphrase (none of the spoken
words), synonym (the thesaurus's other words), cross_en_es (English question,
Spanish moment), cross_es_en (Spanish question, English moment), misspelt
(typing errors and words the transcript got wrong), theme (a theme, nothing
more).
"""


def j(slug: str, *sentences: int, grade: int = 3) -> dict:
    return {"testimony": slug, "sentences": list(sentences), "grade": grade}


QUERIES = [
    # -- natural sentences ---------------------------------------------------
    {
        "id": "n01",
        "class": "natural",
        "text": "she paid the bail but the jail still would not release her because of immigration",
        "judgments": [
            j("fingerprints-at-booking", 7),
            j("fingerprints-at-booking", 8, 9, grade=2),
            j("las-huellas", 6, 7, grade=2),
            j("the-staff-file", 2),
        ],
    },
    {
        "id": "n02",
        "class": "natural",
        "text": "what happened when she called the police during the attack",
        "judgments": [
            j("the-night-i-called", 0, 3),
            j("the-night-i-called", 1, 2, grade=2),
            j("la-llamada-al-911", 2, 4, grade=2),
        ],
    },
    {
        "id": "n03",
        "class": "natural",
        "text": "immigration officers waiting outside the courtroom",
        "judgments": [
            j("the-hallway-outside-court", 2, 3),
            j("the-hallway-outside-court", 11, grade=2),
        ],
    },
    {
        "id": "n04",
        "class": "natural",
        "text": "nobody told him the guilty plea would get him deported",
        "judgments": [
            j("the-night-i-called", 7),
            j("a-pardon-at-last", 2),
            j("the-night-i-called", 5, 6, grade=2),
            j("a-pardon-at-last", 1, grade=2),
        ],
    },
    {
        "id": "n05",
        "class": "natural",
        "text": "his mother was waiting at the prison gate on the day he was released",
        "judgments": [j("the-gate-at-release", 4, 5), j("the-gate-at-release", 6, grade=2)],
    },
    {
        "id": "n06",
        "class": "natural",
        "text": "the restaurant owner kept his passport and never paid him",
        "judgments": [j("the-kitchen-debt", 2, 4), j("el-pasaporte-guardado", 2, 5, grade=2)],
    },
    {
        "id": "n07",
        "class": "natural",
        "text": "she gave birth with a chain on her ankle",
        "judgments": [j("born-in-chains", 5), j("born-in-chains", 6, 13, grade=2)],
    },
    {
        "id": "n08",
        "class": "natural",
        "text": "agents knocked on his door early in the morning and arrested him at home",
        "judgments": [
            j("no-judge-at-the-border", 7, 8),
            j("no-judge-at-the-border", 9, grade=2),
            j("la-orden-vieja", 3, 4, grade=2),
        ],
    },
    {
        "id": "n09",
        "class": "natural",
        "text": "he testified to lawmakers about college classes in prison",
        "judgments": [j("cap-and-gown-inside", 9, 10), j("cap-and-gown-inside", 3, 5, grade=2)],
    },
    {
        "id": "n10",
        "class": "natural",
        "text": "how did the deportation of her son affect the mother",
        "judgments": [j("the-fields-we-fled", 7, 8), j("the-fields-we-fled", 5, 10, grade=2)],
    },
    # -- paraphrases: none of the spoken words --------------------------------
    {
        "id": "p01",
        "class": "paraphrase",
        "text": "shackled during labor",
        "judgments": [j("born-in-chains", 5)],
    },
    {
        "id": "p02",
        "class": "paraphrase",
        "text": "freezing holding cell at the border",
        "judgments": [j("born-in-chains", 1), j("la-hielera", 2, 3, grade=2)],
    },
    {
        "id": "p03",
        "class": "paraphrase",
        "text": "lost her green card chance because of a plea bargain",
        "judgments": [j("the-night-i-called", 9), j("the-night-i-called", 7, grade=2)],
    },
    {
        "id": "p04",
        "class": "paraphrase",
        "text": "expensive jail phone calls to reach relatives",
        "judgments": [j("the-hallway-outside-court", 10), j("la-hielera", 10, grade=2)],
    },
    {
        "id": "p05",
        "class": "paraphrase",
        "text": "governor cleared his record",
        "judgments": [j("a-pardon-at-last", 11, 12), j("a-pardon-at-last", 7, grade=2)],
    },
    {
        "id": "p06",
        "class": "paraphrase",
        "text": "teenager groomed by a much older man",
        "judgments": [j("fifteen-and-his", 0, 1), j("fifteen-and-his", 12, grade=2)],
    },
    {
        "id": "p07",
        "class": "paraphrase",
        "text": "isolation for months as protection",
        "judgments": [j("una-mujer-trans-en-la-carcel-de-hombres", 7)],
    },
    {
        "id": "p08",
        "class": "paraphrase",
        "text": "sent back without a hearing",
        "judgments": [
            j("no-judge-at-the-border", 2, 3),
            j("no-judge-at-the-border", 11, grade=2),
            j("la-orden-vieja", 5, grade=2),
        ],
    },
    # -- thesaurus synonyms --------------------------------------------------
    {
        "id": "s01",
        "class": "synonym",
        "text": "ICE detainer",
        "judgments": [
            j("fingerprints-at-booking", 7, 8),
            j("las-huellas", 6, 7),
            j("una-mujer-trans-en-la-carcel-de-hombres", 6, grade=2),
        ],
    },
    {
        "id": "s02",
        "class": "synonym",
        "text": "domestic violence",
        "judgments": [
            j("la-llamada-al-911", 0),
            j("fingerprints-at-booking", 1),
            j("the-night-i-called", 0, grade=2),
            j("alone-before-the-judge", 2, grade=2),
            j("la-llamada-al-911", 5, grade=2),
        ],
    },
    {
        "id": "s03",
        "class": "synonym",
        "text": "labor trafficking",
        "judgments": [
            j("the-kitchen-debt", 9),
            j("el-pasaporte-guardado", 7),
            j("the-kitchen-debt", 2, 4, grade=2),
            j("el-pasaporte-guardado", 8, grade=2),
        ],
    },
    {
        "id": "s04",
        "class": "synonym",
        "text": "arrested at home",
        "judgments": [j("no-judge-at-the-border", 7, 8), j("la-orden-vieja", 3, 4)],
    },
    {
        "id": "s05",
        "class": "synonym",
        "text": "removal order",
        "judgments": [
            j("no-judge-at-the-border", 4),
            j("la-orden-vieja", 1),
            j("no-judge-at-the-border", 9, grade=2),
            j("alone-before-the-judge", 7, grade=2),
            j("fifteen-and-his", 8, grade=2),
        ],
    },
    {
        "id": "s06",
        "class": "synonym",
        "text": "immigration detention",
        "judgments": [
            j("la-hielera", 4, 5),
            j("the-hallway-outside-court", 7),
            j("una-mujer-trans-en-la-carcel-de-hombres", 7),
            j("born-in-chains", 2, grade=2),
            j("the-gate-at-release", 7, grade=2),
            j("fingerprints-at-booking", 12, grade=2),
            j("las-huellas", 9, grade=2),
        ],
    },
    {
        "id": "s07",
        "class": "synonym",
        "text": "pleaded guilty",
        "judgments": [
            j("the-night-i-called", 7),
            j("a-pardon-at-last", 1),
            j("fifteen-and-his", 6),
            j("the-night-i-called", 5, grade=2),
        ],
    },
    {
        "id": "s08",
        "class": "synonym",
        "text": "mandatory arrest both partners",
        "judgments": [j("the-night-i-called", 3)],
    },
    {
        "id": "s09",
        "class": "synonym",
        "text": "fingerprints sent to ICE",
        "judgments": [j("fingerprints-at-booking", 4, 5), j("las-huellas", 3, 4)],
    },
    # -- English question, Spanish moment -------------------------------------
    {
        "id": "e01",
        "class": "cross_en_es",
        "text": "family separation",
        "judgments": [
            j("mis-hijos-en-texas", 10),
            j("mis-hijos-en-texas", 1, 3, grade=2),
            j("la-orden-vieja", 7, grade=2),
            j("las-huellas", 13, grade=2),
        ],
    },
    {
        "id": "e02",
        "class": "cross_en_es",
        "text": "custody case in family court from another country",
        "judgments": [j("mis-hijos-en-texas", 3, 4), j("mis-hijos-en-texas", 7, grade=2)],
    },
    {
        "id": "e03",
        "class": "cross_en_es",
        "text": "U visa certification signed by the prosecutor",
        "judgments": [j("la-llamada-al-911", 7, 9), j("la-llamada-al-911", 12, grade=2)],
    },
    {
        "id": "e04",
        "class": "cross_en_es",
        "text": "asylum denied then won on appeal",
        "judgments": [
            j("el-asilo-y-la-apelacion", 5, 9),
            j("el-asilo-y-la-apelacion", 11),
            j("el-asilo-y-la-apelacion", 6, grade=2),
        ],
    },
    {
        "id": "e05",
        "class": "cross_en_es",
        "text": "no lawyer at the immigration hearing",
        "judgments": [
            j("la-hielera", 5, 6),
            j("la-hielera", 12, grade=2),
            j("alone-before-the-judge", 4, 5, grade=2),
        ],
    },
    {
        "id": "e06",
        "class": "cross_en_es",
        "text": "daily video calls with her children",
        "judgments": [
            j("mis-hijos-en-texas", 8),
            j("la-orden-vieja", 10, grade=2),
            j("the-fields-we-fled", 10, grade=2),
            j("the-gate-at-release", 12, grade=2),
        ],
    },
    {
        "id": "e07",
        "class": "cross_en_es",
        "text": "she testified before the state legislature",
        "judgments": [
            j("la-promotora", 9),
            j("cap-and-gown-inside", 9),
            j("la-promotora", 8, grade=2),
        ],
    },
    {
        "id": "e08",
        "class": "cross_en_es",
        "text": "forced labor on a farm",
        "judgments": [j("el-pasaporte-guardado", 4, 7), j("el-pasaporte-guardado", 0, grade=2)],
    },
    {
        "id": "e09",
        "class": "cross_en_es",
        "text": "ordered deported in absentia and called a fugitive",
        "judgments": [j("la-orden-vieja", 1, 4), j("no-judge-at-the-border", 9, grade=2)],
    },
    # -- Spanish question, English moment -------------------------------------
    {
        "id": "x01",
        "class": "cross_es_en",
        "text": "orden de protección en la corte familiar",
        "judgments": [
            j("the-hallway-outside-court", 0),
            j("the-hallway-outside-court", 13, grade=2),
            j("la-llamada-al-911", 5),
        ],
    },
    {
        "id": "x02",
        "class": "cross_es_en",
        "text": "trata de personas",
        "judgments": [
            j("the-kitchen-debt", 9),
            j("el-pasaporte-guardado", 8),
            j("the-kitchen-debt", 10, grade=2),
        ],
    },
    {
        "id": "x03",
        "class": "cross_es_en",
        "text": "indulto del gobernador",
        "judgments": [j("a-pardon-at-last", 11), j("a-pardon-at-last", 7, 14, grade=2)],
    },
    {
        "id": "x04",
        "class": "cross_es_en",
        "text": "deportado a un país que no conocía",
        "judgments": [
            j("the-fields-we-fled", 5),
            j("the-gate-at-release", 10, 11),
            j("la-orden-vieja", 8, grade=2),
        ],
    },
    {
        "id": "x05",
        "class": "cross_es_en",
        "text": "violencia doméstica y arresto de los dos",
        "judgments": [j("the-night-i-called", 3), j("the-night-i-called", 0, grade=2)],
    },
    {
        "id": "x06",
        "class": "cross_es_en",
        "text": "educación en prisión",
        "judgments": [j("cap-and-gown-inside", 3, 5), j("cap-and-gown-inside", 2, 6, grade=2)],
    },
    {
        "id": "x07",
        "class": "cross_es_en",
        "text": "dio a luz bajo custodia",
        "judgments": [j("born-in-chains", 5, 6), j("born-in-chains", 13, grade=2)],
    },
    {
        "id": "x08",
        "class": "cross_es_en",
        "text": "entregado a ICE al salir de la prisión",
        "judgments": [
            j("the-gate-at-release", 5),
            j("the-gate-at-release", 4, 6, grade=2),
            j("las-huellas", 9, grade=2),
        ],
    },
    {
        "id": "x09",
        "class": "cross_es_en",
        "text": "comunidades seguras huellas digitales",
        "judgments": [j("fingerprints-at-booking", 4, 5), j("las-huellas", 3, 4)],
    },
    # -- misspellings and misheard words --------------------------------------
    {
        "id": "m01",
        "class": "misspelt",
        "text": "deportaton",
        "judgments": [
            j("the-fields-we-fled", 5),
            j("the-gate-at-release", 10),
            j("alone-before-the-judge", 7, grade=2),
            j("fifteen-and-his", 8, grade=2),
        ],
    },
    {
        "id": "m02",
        "class": "misspelt",
        "text": "asylim",
        "judgments": [
            j("el-asilo-y-la-apelacion", 3, 11),
            j("una-mujer-trans-en-la-carcel-de-hombres", 10),
            j("la-hielera", 8, grade=2),
        ],
    },
    {
        "id": "m03",
        "class": "misspelt",
        "text": "immigration hold bail",
        "judgments": [j("fingerprints-at-booking", 8, 7), j("las-huellas", 6, 7, grade=2)],
    },
    {
        "id": "m04",
        "class": "misspelt",
        "text": "cambodian comunity",
        "judgments": [j("the-fields-we-fled", 2), j("the-fields-we-fled", 13, grade=2)],
    },
    {
        "id": "m05",
        "class": "misspelt",
        "text": "trafiking visa",
        "judgments": [j("the-kitchen-debt", 10), j("el-pasaporte-guardado", 8)],
    },
    {
        "id": "m06",
        "class": "misspelt",
        "text": "self petiton violence against women act",
        "judgments": [j("alone-before-the-judge", 8, 9), j("alone-before-the-judge", 12, grade=2)],
    },
    {
        "id": "m07",
        "class": "misspelt",
        "text": "separasion familiar",
        "judgments": [j("mis-hijos-en-texas", 10), j("mis-hijos-en-texas", 1, grade=2)],
    },
    {
        "id": "m08",
        "class": "misspelt",
        "text": "repatriation agreemnt",
        "judgments": [j("the-gate-at-release", 9), j("the-gate-at-release", 10, grade=2)],
    },
    {
        "id": "m09",
        "class": "misspelt",
        "text": "contition of an abuser survivors justice act",
        "judgments": [j("fifteen-and-his", 9, 10), j("fifteen-and-his", 11, 12, grade=2)],
    },
    # -- a theme, nothing more -----------------------------------------------
    {
        "id": "t01",
        "class": "theme",
        "text": "human trafficking",
        "judgments": [
            j("the-kitchen-debt", 9),
            j("el-pasaporte-guardado", 8),
            j("the-kitchen-debt", 10, grade=2),
            j("el-pasaporte-guardado", 7, grade=2),
        ],
    },
    {
        "id": "t02",
        "class": "theme",
        "text": "mental health",
        "judgments": [
            j("the-fields-we-fled", 8, 9),
            j("la-promotora", 2, 4),
            j("la-promotora", 6, grade=2),
        ],
    },
    {
        "id": "t03",
        "class": "theme",
        "text": "education in prison",
        "judgments": [
            j("cap-and-gown-inside", 3, 5),
            j("cap-and-gown-inside", 2, 6, grade=2),
            j("the-gate-at-release", 3, grade=1),
        ],
    },
    {
        "id": "t04",
        "class": "theme",
        "text": "southeast asian refugees",
        "judgments": [
            j("the-fields-we-fled", 2),
            j("the-gate-at-release", 0, 1),
            j("the-fields-we-fled", 0, grade=2),
        ],
    },
    {
        "id": "t05",
        "class": "theme",
        "text": "pregnancy and birth in custody",
        "judgments": [j("born-in-chains", 0, 5, 6), j("born-in-chains", 2, 8, grade=2)],
    },
    {
        "id": "t06",
        "class": "theme",
        "text": "transgender people",
        "judgments": [
            j("una-mujer-trans-en-la-carcel-de-hombres", 0, 4),
            j("una-mujer-trans-en-la-carcel-de-hombres", 11, 13, grade=2),
        ],
    },
    {
        "id": "t07",
        "class": "theme",
        "text": "community leadership",
        "judgments": [
            j("la-promotora", 5, 6),
            j("cap-and-gown-inside", 11),
            j("la-llamada-al-911", 13, grade=2),
            j("fingerprints-at-booking", 14, grade=1),
        ],
    },
    {
        "id": "t08",
        "class": "theme",
        "text": "access to counsel",
        "judgments": [
            j("la-hielera", 5, 12),
            j("alone-before-the-judge", 4, 13),
            j("el-asilo-y-la-apelacion", 13, grade=2),
        ],
    },
    {
        "id": "t09",
        "class": "theme",
        "text": "vawa self petition",
        "judgments": [j("alone-before-the-judge", 8, 9), j("alone-before-the-judge", 12, grade=2)],
    },
]
