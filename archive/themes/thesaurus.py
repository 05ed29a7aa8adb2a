"""The seed thesaurus of themes for Testimonio.

Pure data and tiny helpers: no Django imports, so it can be used by migrations,
management commands, search synonyms and tests alike. Terms are lowercase words
and phrases that a storyteller would actually say in testimony and that point to
the theme; they drive per-segment theme suggestions and search synonyms.

Parents always come before their children in ``THESAURUS``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ThemeSeed:
    slug: str
    name_en: str
    name_es: str
    parent: str | None
    description: str
    terms_en: tuple[str, ...]
    terms_es: tuple[str, ...]


THESAURUS: tuple[ThemeSeed, ...] = (
    # ------------------------------------------------------------------ groups
    ThemeSeed(
        slug="enforcement-pipeline",
        name_en="Enforcement pipeline",
        name_es="Cadena de control migratorio",
        parent=None,
        description=(
            "The chain of steps that carries a person from a local arrest or a knock at the "
            "door into immigration custody and removal. Researchers trace where in that "
            "chain people were caught and what each link cost them."
        ),
        terms_en=(
            "immigration enforcement",
            "immigration agents",
            "ice agents",
            "immigration authorities",
            "handed to immigration",
        ),
        terms_es=(
            "control migratorio",
            "agentes de inmigración",
            "agentes de ice",
            "autoridades de inmigración",
            "la migra",
        ),
    ),
    ThemeSeed(
        slug="criminal-legal-system",
        name_en="Criminal legal system",
        name_es="Sistema penal",
        parent=None,
        description=(
            "How police, prosecutors, courts and jails shape immigration outcomes. "
            "Testimony here shows the moments where a criminal case became an immigration case."
        ),
        terms_en=(
            "criminal case",
            "criminal record",
            "district attorney",
            "the prosecutor",
            "criminal court",
        ),
        terms_es=(
            "caso penal",
            "antecedentes penales",
            "la fiscalía",
            "tribunal penal",
            "corte penal",
        ),
    ),
    ThemeSeed(
        slug="survivors",
        name_en="Survivors",
        name_es="Sobrevivientes",
        parent=None,
        description=(
            "Experiences of people who survived gender-based violence, trafficking and "
            "coercion, and how that violence led to arrest, conviction or removal."
        ),
        terms_en=(
            "survivor",
            "survivors",
            "my abuser",
            "the abuse",
            "victim of a crime",
        ),
        terms_es=(
            "sobreviviente",
            "sobrevivientes",
            "maltrato",
            "víctima de un delito",
            "el abuso",
        ),
    ),
    ThemeSeed(
        slug="family",
        name_en="Family",
        name_es="Familia",
        parent=None,
        description=(
            "What enforcement does to families: separation, custody, pregnancy and "
            "birth in custody, and the work of staying close across borders."
        ),
        terms_en=(
            "my family",
            "my children",
            "my kids",
            "my husband",
            "my wife",
        ),
        terms_es=(
            "mi familia",
            "mis hijos",
            "mis niños",
            "mi esposo",
            "mi esposa",
        ),
    ),
    ThemeSeed(
        slug="relief-and-remedies",
        name_en="Relief and remedies",
        name_es="Alivio y remedios legales",
        parent=None,
        description=(
            "The legal paths that let people stay, return or clear their records, and the "
            "obstacles to reaching them. Useful for studying which remedies worked and for whom."
        ),
        terms_en=(
            "immigration relief",
            "immigration lawyer",
            "green card",
            "my papers",
            "legal status",
        ),
        terms_es=(
            "alivio migratorio",
            "abogado de inmigración",
            "tarjeta verde",
            "mis papeles",
            "estatus legal",
            "la residencia",
        ),
    ),
    ThemeSeed(
        slug="communities",
        name_en="Communities",
        name_es="Comunidades",
        parent=None,
        description=(
            "Communities whose members are especially exposed to enforcement, and the "
            "histories (war, genocide, migration) they bring into the story."
        ),
        terms_en=(
            "our community",
            "my community",
            "my people",
            "the neighborhood",
        ),
        terms_es=(
            "nuestra comunidad",
            "mi comunidad",
            "mi gente",
            "el barrio",
        ),
    ),
    ThemeSeed(
        slug="life-and-repair",
        name_en="Life and repair",
        name_es="Vida y reparación",
        parent=None,
        description=(
            "How people rebuild: study, work, care, treatment and leadership. These "
            "passages show lives that are more than a case file."
        ),
        terms_en=(
            "rebuild my life",
            "rebuilt my life",
            "starting over",
            "moving forward",
            "second chance",
        ),
        terms_es=(
            "rehacer mi vida",
            "empezar de nuevo",
            "salir adelante",
            "segunda oportunidad",
        ),
    ),
    # ---------------------------------------------------- enforcement pipeline
    ThemeSeed(
        slug="secure-communities",
        name_en="Secure Communities",
        name_es="Comunidades Seguras",
        parent="enforcement-pipeline",
        description=(
            "Secure Communities (S-Comm) sends the fingerprints taken at any local booking "
            "through the FBI to ICE. It is how many arrests, even without charges, "
            "reached immigration authorities."
        ),
        terms_en=(
            "secure communities",
            "s-comm",
            "fingerprints",
            "my fingerprints",
            "sent my fingerprints",
            "fingerprinted",
        ),
        terms_es=(
            "comunidades seguras",
            "huellas digitales",
            "mis huellas",
            "tomaron mis huellas",
            "enviaron mis huellas",
            "me ficharon",
        ),
    ),
    ThemeSeed(
        slug="ice-detainer",
        name_en="ICE detainer / hold request",
        name_es="Orden de retención de ICE",
        parent="enforcement-pipeline",
        description=(
            "A detainer asks a jail to keep a person for ICE after they would otherwise go "
            "free. Testimony shows how a hold changed bail, pleas and release dates."
        ),
        terms_en=(
            "ice hold",
            "detainer",
            "ice detainer",
            "immigration hold",
            "immigration detainer",
            "hold request",
        ),
        terms_es=(
            "orden de detención de ice",
            "retención de ice",
            "hold de inmigración",
            "orden de retención",
            "solicitud de retención",
            "detainer de inmigración",
        ),
    ),
    ThemeSeed(
        slug="courthouse-and-home-arrests",
        name_en="Courthouse and home arrests",
        name_es="Arrestos en tribunales y hogares",
        parent="enforcement-pipeline",
        description=(
            "Arrests by immigration agents at courthouses and at home. Courthouse arrests "
            "keep survivors and witnesses away from the courts they need."
        ),
        terms_en=(
            "arrested at the courthouse",
            "courthouse arrest",
            "outside the courtroom",
            "came to my house",
            "knocked on the door",
            "arrested at home",
            "home raid",
        ),
        terms_es=(
            "arresto en el tribunal",
            "me arrestaron en la corte",
            "afuera de la corte",
            "llegaron a mi casa",
            "tocaron la puerta",
            "me arrestaron en mi casa",
            "redada en la casa",
        ),
    ),
    ThemeSeed(
        slug="transfer-to-ice",
        name_en="Transfer to ICE at release",
        name_es="Entrega a ICE al salir",
        parent="enforcement-pipeline",
        description=(
            "Jails and prisons handing people to ICE on the day their sentence ends. For "
            "many, release day became the first day of immigration detention."
        ),
        terms_en=(
            "transferred to ice",
            "handed over to ice",
            "released to ice",
            "ice was waiting",
            "picked up by ice",
            "day of my release",
        ),
        terms_es=(
            "transferido a ice",
            "entregado a ice",
            "me entregaron a inmigración",
            "ice me estaba esperando",
            "el día de mi salida",
            "trasladado a inmigración",
        ),
    ),
    ThemeSeed(
        slug="prior-removal-order",
        name_en="Prior removal order",
        name_es="Orden de deportación previa",
        parent="enforcement-pipeline",
        description=(
            "An old order of removal, often issued in absentia, that marks a person as an ICE "
            "'fugitive' and allows arrest and removal without a new hearing."
        ),
        terms_en=(
            "prior removal order",
            "removal order",
            "order of removal",
            "deportation order",
            "old deportation order",
            "ordered removed",
            "fugitive",
        ),
        terms_es=(
            "orden de deportación",
            "orden de deportación previa",
            "orden de remoción",
            "orden de expulsión",
            "prófugo",
            "prófuga",
        ),
    ),
    ThemeSeed(
        slug="expedited-removal",
        name_en="Expedited removal",
        name_es="Deportación expedita",
        parent="enforcement-pipeline",
        description=(
            "Removal ordered by an immigration officer without a hearing before a judge. "
            "Testimony records what people could not say because nobody asked."
        ),
        terms_en=(
            "expedited removal",
            "deported without a hearing",
            "never saw a judge",
            "without seeing a judge",
            "sent back at the border",
            "fast-track deportation",
        ),
        terms_es=(
            "deportación expedita",
            "expulsión expedita",
            "sin audiencia",
            "nunca vi a un juez",
            "sin ver a un juez",
            "deportación rápida",
        ),
    ),
    ThemeSeed(
        slug="immigration-detention",
        name_en="Immigration detention",
        name_es="Detención migratoria",
        parent="enforcement-pipeline",
        description=(
            "Civil immigration detention in remote facilities and county jails under "
            "contract, often far from family and counsel."
        ),
        terms_en=(
            "immigration detention",
            "detention center",
            "ice detention",
            "detained by ice",
            "processing center",
            "county jail under contract",
        ),
        terms_es=(
            "detención migratoria",
            "centro de detención",
            "detenida por ice",
            "detenido por ice",
            "la hielera",
            "centro de procesamiento",
        ),
    ),
    ThemeSeed(
        slug="deportation-and-exile",
        name_en="Deportation and exile",
        name_es="Deportación y exilio",
        parent="enforcement-pipeline",
        description=(
            "Life after removal, often to a country the person barely knows. Exile "
            "testimony documents what deportation means years later."
        ),
        terms_en=(
            "deported",
            "deportation",
            "exile",
            "i was deported",
            "a country i had never seen",
            "sent back to",
        ),
        terms_es=(
            "deportado",
            "deportada",
            "me deportaron",
            "exilio",
            "un país que no conocía",
            "deportación",
        ),
    ),
    # --------------------------------------------------- criminal legal system
    ThemeSeed(
        slug="retaliatory-arrest",
        name_en="Retaliatory arrest",
        name_es="Arresto en represalia",
        parent="criminal-legal-system",
        description=(
            "Arrests driven by false allegations from an abuser or the abuser's family, "
            "used as a weapon against a survivor who knows an arrest can lead to ICE."
        ),
        terms_en=(
            "retaliatory arrest",
            "false report",
            "false accusation",
            "false allegations",
            "lied to the police",
            "called the police on me",
        ),
        terms_es=(
            "arresto en represalia",
            "denuncia falsa",
            "acusación falsa",
            "me acusó falsamente",
            "mintió a la policía",
            "llamó a la policía contra mí",
        ),
    ),
    ThemeSeed(
        slug="dual-and-mandatory-arrest",
        name_en="Dual and mandatory arrest",
        name_es="Arresto dual y obligatorio",
        parent="criminal-legal-system",
        description=(
            "Mandatory-arrest policies for domestic incidents and the practice of arresting "
            "both partners, which sweeps survivors into booking and fingerprinting."
        ),
        terms_en=(
            "dual arrest",
            "mandatory arrest",
            "arrested both of us",
            "both of us were arrested",
            "arrested us both",
        ),
        terms_es=(
            "arresto dual",
            "arresto obligatorio",
            "arresto mandatorio",
            "nos arrestaron a los dos",
            "arrestaron a ambos",
        ),
    ),
    ThemeSeed(
        slug="arrest-after-calling-police",
        name_en="Arrest after calling police for help",
        name_es="Arresto después de pedir ayuda a la policía",
        parent="criminal-legal-system",
        description=(
            "People who called the police for help and were themselves arrested. These "
            "accounts explain why many survivors stop calling at all."
        ),
        terms_en=(
            "called the police for help",
            "i called the police",
            "called 911",
            "when i called for help",
            "arrested me instead",
        ),
        terms_es=(
            "llamé a la policía",
            "llamé al 911",
            "cuando pedí ayuda",
            "pedí ayuda a la policía",
            "me arrestaron a mí",
        ),
    ),
    ThemeSeed(
        slug="plea-pressure",
        name_en="Plea pressure and unadvised consequences",
        name_es="Presión para declararse culpable",
        parent="criminal-legal-system",
        description=(
            "Guilty pleas taken under pressure, often without advice that the plea would "
            "lead to detention or deportation."
        ),
        terms_en=(
            "plea deal",
            "took a plea",
            "plea bargain",
            "pleaded guilty",
            "plead guilty",
            "immigration consequences",
            "nobody told me about immigration",
        ),
        terms_es=(
            "acuerdo de culpabilidad",
            "me declaré culpable",
            "declararme culpable",
            "consecuencias migratorias",
            "nadie me explicó",
            "trato con el fiscal",
        ),
    ),
    ThemeSeed(
        slug="bail-blocked-by-hold",
        name_en="Bail blocked by a hold",
        name_es="Fianza bloqueada por la retención",
        parent="criminal-legal-system",
        description=(
            "People who could have posted bail but stayed jailed because of an ICE hold, "
            "which in turn pressured them to plead guilty."
        ),
        terms_en=(
            "bail",
            "post bail",
            "posted bail",
            "make bail",
            "bail money",
            "held without bail",
        ),
        terms_es=(
            "fianza",
            "pagar la fianza",
            "pagaron la fianza",
            "no pude salir bajo fianza",
            "sin derecho a fianza",
            "el dinero de la fianza",
        ),
    ),
    ThemeSeed(
        slug="profiling-of-trans-women",
        name_en="Profiling of trans women",
        name_es="Perfilamiento de mujeres trans",
        parent="criminal-legal-system",
        description=(
            "Police stops and arrests of transgender women presumed to be sex workers "
            "('walking while trans'), including condoms used as evidence."
        ),
        terms_en=(
            "walking while trans",
            "profiled",
            "assumed i was a sex worker",
            "could only be a sex worker",
            "loitering for prostitution",
            "condoms as evidence",
            "counted the condoms",
        ),
        terms_es=(
            "caminar siendo trans",
            "perfilamiento",
            "perfilada",
            "pensaron que era trabajadora sexual",
            "me detuvieron por ser trans",
            "los condones como prueba",
        ),
    ),
    ThemeSeed(
        slug="coerced-convictions",
        name_en="Convictions arising from coercion",
        name_es="Condenas por coacción",
        parent="criminal-legal-system",
        description=(
            "Convictions for acts a person was forced into by an abuser or trafficker. "
            "These records later block relief and trigger removal."
        ),
        terms_en=(
            "he forced me to",
            "forced me to carry",
            "made me do it",
            "coerced",
            "under his control",
            "convicted for what he made me do",
        ),
        terms_es=(
            "me obligó a",
            "me forzó a",
            "bajo amenaza",
            "coaccionada",
            "coaccionado",
            "condenada por lo que me obligaron",
        ),
    ),
    # ------------------------------------------------------------- survivors
    ThemeSeed(
        slug="domestic-violence",
        name_en="Domestic violence",
        name_es="Violencia doméstica",
        parent="survivors",
        description=(
            "Violence by a partner or family member. Central to how many storytellers came "
            "into contact with police, courts and ICE."
        ),
        terms_en=(
            "domestic violence",
            "abusive partner",
            "abusive husband",
            "he beat me",
            "order of protection",
            "intimate partner violence",
        ),
        terms_es=(
            "violencia doméstica",
            "violencia familiar",
            "violencia de pareja",
            "mi agresor",
            "me golpeaba",
            "orden de protección",
        ),
    ),
    ThemeSeed(
        slug="human-trafficking",
        name_en="Human trafficking",
        name_es="Trata de personas",
        parent="survivors",
        description=(
            "Recruitment and control of people by force, fraud or coercion for sex or "
            "labour. Survivors are often arrested for what they were forced to do."
        ),
        terms_en=(
            "human trafficking",
            "trafficking",
            "trafficked",
            "trafficker",
            "my traffickers",
            "trafficking survivor",
        ),
        terms_es=(
            "trata de personas",
            "tráfico de personas",
            "víctima de trata",
            "tratante",
            "los tratantes",
            "sobreviviente de trata",
        ),
    ),
    ThemeSeed(
        slug="sex-trafficking",
        name_en="Sex trafficking",
        name_es="Trata con fines de explotación sexual",
        parent="human-trafficking",
        description=(
            "Trafficking into commercial sex. Testimony often covers arrests for "
            "prostitution that were really evidence of the trafficking."
        ),
        terms_en=(
            "sex trafficking",
            "forced into prostitution",
            "forced to sell sex",
            "made me work the street",
            "pimp",
        ),
        terms_es=(
            "trata sexual",
            "explotación sexual",
            "prostitución forzada",
            "me obligaron a prostituirme",
            "proxeneta",
            "padrote",
        ),
    ),
    ThemeSeed(
        slug="labour-trafficking",
        name_en="Labour trafficking",
        name_es="Trata con fines de explotación laboral",
        parent="human-trafficking",
        description=(
            "Forced labour in homes, farms, restaurants and factories: confiscated passports, "
            "unpayable debts and work without pay."
        ),
        terms_en=(
            "labor trafficking",
            "labour trafficking",
            "forced labor",
            "took my passport",
            "worked without pay",
            "debt bondage",
        ),
        terms_es=(
            "trabajo forzoso",
            "explotación laboral",
            "trata laboral",
            "me quitaron el pasaporte",
            "trabajaba sin pago",
            "servidumbre por deudas",
        ),
    ),
    ThemeSeed(
        slug="coercion-by-older-partner",
        name_en="Coercion by an older partner",
        name_es="Coacción por una pareja mayor",
        parent="survivors",
        description=(
            "Young people, often minors, drawn into crime or exploitation by a much older "
            "partner. Key context for understanding early convictions."
        ),
        terms_en=(
            "older boyfriend",
            "much older than me",
            "he was older",
            "older partner",
            "groomed",
            "i was only fifteen",
        ),
        terms_es=(
            "novio mayor",
            "mucho mayor que yo",
            "pareja mayor",
            "hombre mayor",
            "me manipuló",
            "solo tenía quince años",
        ),
    ),
    ThemeSeed(
        slug="sentencing-relief",
        name_en="Sentencing relief for survivors (DVSJA)",
        name_es="Reducción de condena para sobrevivientes (DVSJA)",
        parent="survivors",
        description=(
            "Laws such as New York's Domestic Violence Survivors Justice Act that let courts "
            "shorten sentences when abuse contributed to the offence."
        ),
        terms_en=(
            "domestic violence survivors justice act",
            "dvsja",
            "resentenced",
            "resentencing",
            "reduced my sentence",
            "sentence was reduced",
        ),
        terms_es=(
            "ley de justicia para sobrevivientes de violencia doméstica",
            "dvsja",
            "reducción de condena",
            "redujeron mi condena",
            "nueva sentencia",
            "resentencia",
        ),
    ),
    ThemeSeed(
        slug="vacating-convictions",
        name_en="Vacating convictions of trafficking survivors",
        name_es="Anulación de condenas de sobrevivientes de trata",
        parent="survivors",
        description=(
            "Court orders that erase convictions survivors received because they were "
            "trafficked, removing a barrier to immigration relief."
        ),
        terms_en=(
            "vacated",
            "vacatur",
            "convictions vacated",
            "motion to vacate",
            "cleared my record",
            "conviction was erased",
        ),
        terms_es=(
            "anuló mis condenas",
            "anularon mis condenas",
            "anulación de condena",
            "condenas anuladas",
            "limpiaron mi récord",
            "moción para anular",
        ),
    ),
    # ---------------------------------------------------------------- family
    ThemeSeed(
        slug="family-separation",
        name_en="Family separation",
        name_es="Separación familiar",
        parent="family",
        description=(
            "Parents, children and partners separated by detention or deportation, and "
            "what the separation did to each of them."
        ),
        terms_en=(
            "family separation",
            "separated from my children",
            "separated from my family",
            "took me away from my children",
            "left my children behind",
            "tore our family apart",
        ),
        terms_es=(
            "separación familiar",
            "separada de mis hijos",
            "separado de mis hijos",
            "separado de mi familia",
            "nos separaron",
            "lejos de mis hijos",
        ),
    ),
    ThemeSeed(
        slug="children-and-custody",
        name_en="Children and custody",
        name_es="Hijos y custodia",
        parent="family",
        description=(
            "Family court, foster care and custody battles, including needing an abuser's "
            "consent to take a child abroad after deportation."
        ),
        terms_en=(
            "custody",
            "family court",
            "lost custody",
            "custody of my children",
            "foster care",
            "his permission to take",
        ),
        terms_es=(
            "custodia",
            "tribunal de familia",
            "corte familiar",
            "perdí la custodia",
            "hogar de crianza",
            "permiso del padre",
        ),
    ),
    ThemeSeed(
        slug="pregnancy-in-custody",
        name_en="Pregnancy and birth in custody",
        name_es="Embarazo y parto bajo custodia",
        parent="family",
        description=(
            "Pregnancy, prenatal care and giving birth while jailed or detained, including "
            "shackling during labour."
        ),
        terms_en=(
            "pregnant in jail",
            "pregnant in detention",
            "gave birth in custody",
            "gave birth",
            "shackled",
            "i was pregnant",
        ),
        terms_es=(
            "embarazada en la cárcel",
            "embarazada en detención",
            "di a luz",
            "parto bajo custodia",
            "esposada durante el parto",
            "estaba embarazada",
        ),
    ),
    ThemeSeed(
        slug="nursing-infants",
        name_en="Nursing infants",
        name_es="Lactancia",
        parent="family",
        description=(
            "Mothers separated from nursing babies by arrest or detention, and the fight "
            "to keep breastfeeding."
        ),
        terms_en=(
            "breastfeeding",
            "breast milk",
            "nursing my baby",
            "my baby was nursing",
            "pump milk",
            "newborn",
        ),
        terms_es=(
            "amamantar",
            "lactancia",
            "leche materna",
            "le daba pecho",
            "recién nacido",
            "recién nacida",
        ),
    ),
    ThemeSeed(
        slug="contact-across-borders",
        name_en="Contact across borders",
        name_es="Contacto a través de fronteras",
        parent="family",
        description=(
            "Keeping families together after deportation through daily video calls, "
            "messages and visits across borders."
        ),
        terms_en=(
            "video call",
            "video calls",
            "on whatsapp",
            "every day on the phone",
            "across the border",
            "on the screen",
        ),
        terms_es=(
            "videollamada",
            "videollamadas",
            "por whatsapp",
            "todos los días por teléfono",
            "al otro lado de la frontera",
            "desde la pantalla",
        ),
    ),
    # --------------------------------------------------- relief and remedies
    ThemeSeed(
        slug="pardon-and-clemency",
        name_en="Pardon and clemency",
        name_es="Indulto y clemencia",
        parent="relief-and-remedies",
        description=(
            "Pardons and commutations from governors that can remove the conviction "
            "behind a deportation."
        ),
        terms_en=(
            "pardon",
            "pardoned",
            "clemency",
            "commutation",
            "the governor",
            "clemency petition",
        ),
        terms_es=(
            "indulto",
            "indultó",
            "clemencia",
            "conmutación",
            "el gobernador",
            "la gobernadora",
        ),
    ),
    ThemeSeed(
        slug="vawa-self-petition",
        name_en="VAWA self-petition",
        name_es="Autopetición VAWA",
        parent="relief-and-remedies",
        description=(
            "Violence Against Women Act self-petitions that let abused spouses, children and "
            "parents of citizens or residents apply without the abuser."
        ),
        terms_en=(
            "vawa",
            "violence against women act",
            "self-petition",
            "self petition",
            "i-360",
        ),
        terms_es=(
            "vawa",
            "ley de violencia contra la mujer",
            "autopetición",
            "auto petición",
            "petición por mi cuenta",
        ),
    ),
    ThemeSeed(
        slug="u-visa",
        name_en="U visa and U certification",
        name_es="Visa U y certificación U",
        parent="relief-and-remedies",
        description=(
            "Status for victims of certain crimes who help police or prosecutors, which "
            "depends on a signed certification from law enforcement."
        ),
        terms_en=(
            "u visa",
            "u-visa",
            "u certification",
            "crime victim visa",
            "signed the certification",
            "cooperated with the police",
        ),
        terms_es=(
            "visa u",
            "certificación u",
            "la certificación",
            "visa para víctimas de delitos",
            "firmó la certificación",
            "cooperé con la policía",
        ),
    ),
    ThemeSeed(
        slug="t-visa",
        name_en="T visa",
        name_es="Visa T",
        parent="relief-and-remedies",
        description=(
            "Status for survivors of trafficking. Testimony shows how records from the "
            "trafficking itself stood in the way."
        ),
        terms_en=(
            "t visa",
            "t-visa",
            "trafficking visa",
            "visa for trafficking survivors",
            "continued presence",
        ),
        terms_es=(
            "visa t",
            "visa de trata",
            "visa para víctimas de trata",
            "presencia continuada",
        ),
    ),
    ThemeSeed(
        slug="asylum",
        name_en="Asylum",
        name_es="Asilo",
        parent="relief-and-remedies",
        description=(
            "Protection for people who fear persecution, including withholding of removal "
            "and credible-fear screenings."
        ),
        terms_en=(
            "asylum",
            "asylum seeker",
            "political asylum",
            "credible fear",
            "persecution",
            "withholding of removal",
        ),
        terms_es=(
            "asilo",
            "asilo político",
            "solicitante de asilo",
            "pedir asilo",
            "miedo creíble",
            "persecución",
        ),
    ),
    ThemeSeed(
        slug="appeal-of-removal",
        name_en="Appeal of removal",
        name_es="Apelación de la deportación",
        parent="relief-and-remedies",
        description=(
            "Appeals to the Board of Immigration Appeals and the federal courts, and "
            "motions to reopen old cases."
        ),
        terms_en=(
            "appeal",
            "appealed",
            "board of immigration appeals",
            "motion to reopen",
            "immigration judge",
            "won my appeal",
        ),
        terms_es=(
            "apelación",
            "apelar",
            "apelé",
            "junta de apelaciones de inmigración",
            "moción para reabrir",
            "juez de inmigración",
        ),
    ),
    ThemeSeed(
        slug="access-to-counsel",
        name_en="Access to counsel",
        name_es="Acceso a un abogado",
        parent="relief-and-remedies",
        description=(
            "Whether people had a lawyer in immigration court, where there is no right to "
            "appointed counsel, and what changed when they did."
        ),
        terms_en=(
            "no lawyer",
            "without a lawyer",
            "could not afford a lawyer",
            "represented myself",
            "legal aid",
            "pro bono",
        ),
        terms_es=(
            "sin abogado",
            "no tenía abogado",
            "me representé sola",
            "me representé solo",
            "ayuda legal",
            "abogada gratuita",
        ),
    ),
    # ----------------------------------------------------------- communities
    ThemeSeed(
        slug="lgbtq-and-transgender",
        name_en="LGBTQ and transgender people",
        name_es="Personas LGBTQ y transgénero",
        parent="communities",
        description=(
            "LGBTQ and transgender people in enforcement, including violence in men's jails "
            "and detention units."
        ),
        terms_en=(
            "transgender",
            "trans woman",
            "lgbtq",
            "queer",
            "gay",
            "men's jail",
            "men's unit",
        ),
        terms_es=(
            "transgénero",
            "mujer trans",
            "lgbtq",
            "gay",
            "lesbiana",
            "cárcel de hombres",
            "unidad de hombres",
        ),
    ),
    ThemeSeed(
        slug="southeast-asian-refugees",
        name_en="Southeast Asian refugees",
        name_es="Refugiados del sudeste asiático",
        parent="communities",
        description=(
            "Cambodian, Vietnamese and Lao refugee communities, the Khmer Rouge genocide, "
            "and repatriation agreements that made their deportation possible."
        ),
        terms_en=(
            "cambodia",
            "cambodian",
            "vietnamese",
            "khmer rouge",
            "refugee camp",
            "repatriation agreement",
            "laos",
        ),
        terms_es=(
            "camboya",
            "camboyano",
            "vietnamita",
            "jemeres rojos",
            "campo de refugiados",
            "acuerdo de repatriación",
        ),
    ),
    ThemeSeed(
        slug="latin-american-migrants",
        name_en="Latin American migrants",
        name_es="Migrantes latinoamericanos",
        parent="communities",
        description=(
            "Migrants from Mexico, Central and South America and the Caribbean, and the "
            "journeys and ties that shape their testimony."
        ),
        terms_en=(
            "mexico",
            "guatemala",
            "honduras",
            "el salvador",
            "central america",
            "crossed the border",
        ),
        terms_es=(
            "méxico",
            "guatemala",
            "honduras",
            "el salvador",
            "centroamérica",
            "crucé la frontera",
        ),
    ),
    # -------------------------------------------------------- life and repair
    ThemeSeed(
        slug="education-in-prison",
        name_en="Education in prison",
        name_es="Educación en prisión",
        parent="life-and-repair",
        description=(
            "Degrees, GED programs and tutoring inside prisons and jails, and what that "
            "study made possible afterwards."
        ),
        terms_en=(
            "ged",
            "college in prison",
            "college program",
            "bachelor's degree",
            "earned my degree",
            "tutoring",
        ),
        terms_es=(
            "ged",
            "educación en prisión",
            "estudié en la cárcel",
            "título universitario",
            "clases en la prisión",
            "tutoría",
        ),
    ),
    ThemeSeed(
        slug="work-and-caregiving",
        name_en="Work and caregiving",
        name_es="Trabajo y cuidados",
        parent="life-and-repair",
        description=(
            "Jobs, work permits and caring for children, parents and others, often the "
            "reason a person's absence is felt most."
        ),
        terms_en=(
            "work permit",
            "my job",
            "caregiver",
            "taking care of my mother",
            "support my family",
            "home health aide",
        ),
        terms_es=(
            "permiso de trabajo",
            "mi trabajo",
            "cuidadora",
            "cuidar a mi madre",
            "mantener a mi familia",
            "trabajo como cuidadora",
        ),
    ),
    ThemeSeed(
        slug="mental-health",
        name_en="Mental health and treatment",
        name_es="Salud mental y tratamiento",
        parent="life-and-repair",
        description=(
            "Trauma, depression and anxiety, and the therapy, medication and support that "
            "helped, or were denied."
        ),
        terms_en=(
            "mental health",
            "depression",
            "anxiety",
            "ptsd",
            "therapy",
            "therapist",
            "nightmares",
        ),
        terms_es=(
            "salud mental",
            "depresión",
            "ansiedad",
            "estrés postraumático",
            "terapia",
            "pesadillas",
        ),
    ),
    ThemeSeed(
        slug="community-leadership",
        name_en="Community leadership",
        name_es="Liderazgo comunitario",
        parent="life-and-repair",
        description=(
            "Coaching, mentoring, organizing and advocacy, including testimony before "
            "legislatures. Storytellers as actors, not only subjects."
        ),
        terms_en=(
            "advocacy",
            "advocate",
            "organizing",
            "mentor",
            "coach",
            "testified before the legislature",
            "community leader",
        ),
        terms_es=(
            "líder comunitaria",
            "líder comunitario",
            "activismo",
            "activista",
            "organizadora",
            "ante la legislatura",
            "acompaño a otras mujeres",
        ),
    ),
)
