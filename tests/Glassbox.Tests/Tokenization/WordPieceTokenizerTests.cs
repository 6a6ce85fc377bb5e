using Glassbox.Loading;
using Glassbox.Tokenization;

namespace Glassbox.Tests.Tokenization;

public class WordPieceTokenizerTests
{
    private static readonly string[] Vocab =
    {
        "[PAD]",
        "[UNK]",
        "[CLS]",
        "[SEP]",
        "un",
        "##aff",
        "##able",
        "cafe",
        "!",
        ",",
        "hello",
        "world",
        "中",
        "runn",
        "##ing",
    };

    [Fact]
    public void Should_split_words_into_pieces_and_keep_character_offsets()
    {
        var tok = WordPieceTokenizer.FromVocab(Vocab);
        const string text = "Unaffable CAFÉ, hello!";
        var enc = tok.Encode(text);
        Assert.Equal(new[] { 2, 4, 5, 6, 7, 9, 10, 8, 3 }, enc.Ids);
        var spans = enc.Offsets.Skip(1).Take(7).Select(o => text.Substring(o.Start, o.Length)).ToArray();
        Assert.Equal(new[] { "Un", "aff", "able", "CAFÉ", ",", "hello", "!" }, spans);
    }

    [Fact]
    public void Should_give_unknown_words_the_unk_token_and_split_cjk_characters()
    {
        var tok = WordPieceTokenizer.FromVocab(Vocab);
        var enc = tok.Encode("xyz 中中 running", addSpecialTokens: false);
        Assert.Equal(new[] { 1, 12, 12, 13, 14 }, enc.Ids);
        Assert.Equal("[UNK] 中 中 running", tok.Decode(enc.Ids));
    }

    [Fact]
    public void Should_reject_a_vocabulary_without_special_tokens()
    {
        Assert.Throws<ModelFormatException>(() => WordPieceTokenizer.FromVocab(new[] { "a", "b" }));
    }

    [Fact]
    public void Should_tokenize_like_bert_with_the_minilm_vocabulary()
    {
        var tok = WordPieceTokenizer.FromVocab(MiniLmImporter.ReadVocab());
        Assert.Equal(30522, tok.VocabSize);
        Assert.Equal(new[] { 101, 7592, 2088, 102 }, tok.Encode("hello world").Ids);
        Assert.Equal(new[] { 101, 7592, 1010, 2088, 999, 102 }, tok.Encode("Hello, World!").Ids);
        var enc = tok.Encode("Tokenization isn't trivial.");
        Assert.Equal(
            "[CLS] token ##ization isn ' t trivial . [SEP]",
            string.Join(" ", enc.Ids.Select(tok.TokenToString))
        );
    }
}
