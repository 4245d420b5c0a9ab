/// The default policy, byte for byte the repository's `policies/default.json` (a test compares
/// them): embedded so that the binary needs no file beside it. Edit the JSON file, then copy it
/// here between the delimiters.
enum DefaultPolicy {
    static let json = #"""
{
  "description": "OmniBark's default guard policy: a short, deliberately small list of clearly harmful phrases in English, German, French and Spanish. It is a floor, not a moderation system; operators should write their own policy for their audience.",
  "source": "Written by the OmniBark authors for this project; no third-party list was used.",
  "licence": "Same licence as OmniBark.",
  "bleep": "[bleep]",
  "categories": [
    {
      "name": "weapons",
      "action": "refuse",
      "description": "Making chemical, biological or radiological weapons and improvised explosives.",
      "terms": {
        "en": ["synthesize sarin", "synthesise sarin", "make sarin", "sarin synthesis", "nerve agent synthesis",
               "make a nerve agent", "weaponize anthrax", "weaponise anthrax", "make ricin", "extract ricin",
               "build a dirty bomb", "make a dirty bomb", "build a pipe bomb", "make a pipe bomb"],
        "de": ["sarin herstellen", "sarin synthetisieren", "nervenkampfstoff herstellen", "milzbrand als waffe",
               "rizin herstellen", "schmutzige bombe bauen", "rohrbombe bauen"],
        "fr": ["fabriquer du sarin", "synthétiser du sarin", "synthèse du sarin", "fabriquer un agent neurotoxique",
               "fabriquer de la ricine", "militariser l'anthrax", "fabriquer une bombe sale", "fabriquer une bombe artisanale"],
        "es": ["fabricar sarín", "sintetizar sarín", "síntesis de sarín", "fabricar un agente nervioso", "fabricar ricina",
               "convertir el ántrax en arma", "fabricar una bomba sucia", "fabricar una bomba casera"]
      }
    },
    {
      "name": "threats",
      "action": "refuse",
      "description": "Explicit threats of violence against the listener.",
      "terms": {
        "en": ["i will kill you", "i am going to kill you", "i'm going to kill you", "i will shoot you", "i will stab you",
               "we will kill you"],
        "de": ["ich bringe dich um", "ich bring dich um", "ich werde dich töten", "ich werde dich erschießen",
               "wir bringen dich um"],
        "fr": ["je vais te tuer", "je vais vous tuer", "je vais te buter", "on va te tuer", "je vais t'égorger"],
        "es": ["te voy a matar", "voy a matarte", "te vamos a matar", "te voy a disparar"]
      },
      "patterns": {
        "en": ["\\bi(?: will|['’]ll| am going to|['’]m going to|['’]m gonna) (?:kill|shoot|stab|murder) (?:you|him|her|them)\\b"]
      }
    },
    {
      "name": "slurs",
      "action": "bleep",
      "description": "Slurs (ethnic, racial, homophobic). Listed only so that they are bleeped.",
      "terms": {
        "en": ["nigger", "niggers", "faggot", "faggots", "wetback", "wetbacks"],
        "de": ["kanake", "kanaken", "schwuchtel", "schwuchteln"],
        "fr": ["bougnoule", "bougnoules", "youpin", "youpins"],
        "es": ["sudaca", "sudacas", "maricón", "maricones"]
      }
    },
    {
      "name": "profanity",
      "action": "log",
      "description": "Strong profanity: allowed, the category is logged.",
      "terms": {
        "en": ["fuck", "fucking", "motherfucker", "cunt", "asshole"],
        "de": ["fick dich", "arschloch", "hurensohn"],
        "fr": ["connard", "enculé", "nique ta mère"],
        "es": ["gilipollas", "hijo de puta", "cabrón"]
      }
    }
  ]
}
"""#
}
