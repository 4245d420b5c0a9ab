import Testing
@testable import Guardrails

/// Each folding step on its own, then through a term that only matches when that step works.
@Suite struct NormalizationStepTests {
    let folder: TextFolder
    init() throws { folder = try TextFolder() }

    @Test func nfkcFoldsCompatibilityForms() throws {
        #expect(try folder.compatibilityComposed("ﬁre") == "fire")
        #expect(try folder.compatibilityComposed("ｋｉｌｌ") == "kill")
        #expect(try folder.compatibilityComposed("𝐤𝐢𝐥𝐥") == "kill")
        #expect(try folder.compatibilityComposed("①") == "1")
        let guardrail = try GuardTestPolicies.guardrail(["kill you"])
        #expect(try GuardTestPolicies.matches(guardrail, "I will ｋｉｌｌ 𝐲𝐨𝐮 now"))
    }

    @Test func caseFoldingIsFullFolding() throws {
        #expect(try folder.caseFolded("KiLL") == "kill")
        #expect(try folder.caseFolded("Straße") == "strasse")
        #expect(try folder.caseFolded("ΣΊΣΥΦΟΣ") == "σίσυφοσ")
        let guardrail = try GuardTestPolicies.guardrail(["kill you"])
        #expect(try GuardTestPolicies.matches(guardrail, "KiLL YoU"))
    }

    @Test func invisibleCharactersAreRemoved() throws {
        let hidden = "k\u{200B}i\u{200C}l\u{200D}l\u{2060}\u{FEFF}\u{00AD}\u{202E}\u{2066}\u{FE0F}"
        #expect(folder.withoutInvisibles(hidden) == "kill")
        #expect(FormatCharacters.isInvisible("\u{200E}"))  // left-to-right mark
        #expect(!FormatCharacters.isInvisible("k"))
        #expect(!FormatCharacters.isInvisible(" "))
        let guardrail = try GuardTestPolicies.guardrail(["kill"])
        #expect(try GuardTestPolicies.matches(guardrail, "they k\u{200B}i\u{00AD}l\u{202E}l\u{2069} it"))
    }

    @Test func diacriticsAreFolded() throws {
        #expect(try folder.withoutDiacritics("kïłľ") == "kill")
        #expect(try folder.withoutDiacritics("síntesis de sarín") == "sintesis de sarin")
        #expect(try folder.withoutDiacritics("øæœ") == "oaeoe")
        #expect(try folder.withoutDiacritics("k\u{0301}i\u{0308}") == "ki")
        let guardrail = try GuardTestPolicies.guardrail(["sarín"])
        #expect(try GuardTestPolicies.matches(guardrail, "SARIN"))
        #expect(try GuardTestPolicies.matches(guardrail, "sâřîn"))
    }

    @Test func confusableSkeletonsMapLookalikes() throws {
        #expect(try folder.skeletonLetters("а") == ["a"])  // Cyrillic a
        #expect(try folder.skeletonLetters("о") == ["o"])  // Cyrillic o
        #expect(try folder.skeletonLetters("κ") == ["k"])  // Greek kappa: ICU gives "ĸ", folded to "k"
        #expect(try folder.skeletonLetters("m") == ["r", "n"])
        let guardrail = try GuardTestPolicies.guardrail(["make sarin"])
        #expect(try GuardTestPolicies.matches(guardrail, "mаkе ѕаrіn"))  // Cyrillic а, е, ѕ, і
        #expect(try GuardTestPolicies.matches(guardrail, "rnake sarin"))
    }

    @Test func digitAndSymbolSubstitutions() throws {
        #expect(LeetSubstitution.letters(for: "1") == ["i", "l"])
        #expect(LeetSubstitution.letters(for: "k") == nil)
        let guardrail = try GuardTestPolicies.guardrail(["kill", "shit", "ass"])
        #expect(try GuardTestPolicies.matches(guardrail, "k1ll"))
        #expect(try GuardTestPolicies.matches(guardrail, "k!11"))
        #expect(try GuardTestPolicies.matches(guardrail, "$h1t"))
        #expect(try GuardTestPolicies.matches(guardrail, "@55"))
        #expect(try GuardTestPolicies.matches(guardrail, "you kill!"), "a trailing symbol is punctuation too")
        #expect(try GuardTestPolicies.matches(guardrail, "(kill)"))
        #expect(try !GuardTestPolicies.matches(guardrail, "k1lt"))
    }

    @Test func lettersSplitBySpacesOrPunctuation() throws {
        let guardrail = try GuardTestPolicies.guardrail(["kill", "i will kill you"])
        for text in ["k.i.l.l", "k-i-l-l", "k i l l", "k_i_l_l", "k. i. l. l.", "k/i/l/l", "ki.ll", "a k i l l b"] {
            #expect(try GuardTestPolicies.matches(guardrail, "then \(text) it"), "\(text)")
        }
        #expect(try GuardTestPolicies.matches(guardrail, "i w i l l k i l l y o u"))
        #expect(try GuardTestPolicies.matches(guardrail, "I will k.i.l.l you"))
        #expect(try GuardTestPolicies.matches(guardrail, "I will k i l l you"))
        #expect(try GuardTestPolicies.matches(guardrail, "i.will.kill.you"))
        #expect(try !GuardTestPolicies.matches(guardrail, "k\ni\nl\nl"), "not across line breaks")
        #expect(try !GuardTestPolicies.matches(guardrail, "k      i      l      l"), "not across wide gaps")
    }

    @Test func repeatedLetters() throws {
        let guardrail = try GuardTestPolicies.guardrail(["kill", "nigger"])
        #expect(try GuardTestPolicies.matches(guardrail, "kiiiilllll"))
        #expect(try GuardTestPolicies.matches(guardrail, "KKKIIILLL"))
        #expect(try !GuardTestPolicies.matches(guardrail, "kil"), "a doubled letter needs two")
        #expect(try !GuardTestPolicies.matches(guardrail, "Niger and Nigeria"), "a country is not the slur")
        #expect(try GuardTestPolicies.matches(guardrail, "niiiggger"))
    }

    @Test func wordBoundariesKeepInnocentWords() throws {
        let guardrail = try GuardTestPolicies.guardrail(["cunt", "ass", "kill", "bomb*"])
        for innocent in ["Scunthorpe United", "a classic assassin", "the class passed", "skilled killer", "Sussex", "Bassett",
                         "a skillful kiln", "embassy", "tombola"] {
            #expect(try !GuardTestPolicies.matches(guardrail, innocent), "\(innocent)")
        }
        #expect(try GuardTestPolicies.matches(guardrail, "you ass"))
        #expect(try GuardTestPolicies.matches(guardrail, "bombs away"), "a prefix term matches longer words")
        #expect(try !GuardTestPolicies.matches(guardrail, "a rhombus"), "but only at the start of a word")
    }
}
