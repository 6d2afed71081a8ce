"""Text over the channel: a static Huffman source code, BLEU, and the learned text codec's training."""
