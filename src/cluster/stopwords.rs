//! Words that say nothing about which concrete problem a complaint raises: function words, the forms every
//! complaint is written in (来电人反映, 诉求, 请协调), and the parties every complaint names (企业, 公司, 部门).
//! Kept out of clustering's terms and out of a report's distinctive words. Simplified only: text is normalised
//! before it is segmented.

use rustc_hash::FxHashSet;
use std::sync::OnceLock;

const STOP_WORDS: &str = "
的 了 是 在 和 与 及 或 也 都 就 而 但 又 还 并 等 着 过 被 把 对 从 向 给 为 以 于 由 因 如 若 其 之 所 则 即
让 使 将 会 能 要 可 很 太 更 最 再 才 只 已 曾 不 没 无 非 未 别 有 个 些 这 那 此 该 每 各 某 本 我 你 他 她
它 们 我们 你们 他们 她们 自己 大家 咱们 吗 呢 吧 啊 呀 嘛 哦 哈 啦 么 一 二 两 几 多 少 上 下 中 内 外 前 后
里 间 时 年 月 日 号 天 次 件 位 家 名 人 元 万 亿 后来 目前 现在 当时 今年 去年 明年 近期 最近 一直 已经 仍然 仍
还是 就是 但是 可是 而且 并且 因为 所以 因此 如果 虽然 然后 同时 以及 或者 关于 对于 根据 按照 通过 为了
由于 比如 例如 包括 其中 之后 之前 以来 以上 以下 左右 一些 一个 这个 那个 这些 那些 这样 那样 怎么 什么
为什么 如何 哪里 哪个 多少 是否 能否 可以 可能 应该 应当 需要 必须 希望 要求 请求 请 恳请 敬请 麻烦 帮忙
帮助 协助 协调 解决 处理 落实 关注 重视 反映 反应 表示 称 说 讲 问 提出 提到 诉求 来电 来电人 来电者 市民
来信 留言 投诉 举报 咨询 建议 问题 情况 事情 事项 方面 相关 有关 部门 相关部门 有关部门 政府 领导 单位
企业 公司 我公司 本公司 该公司 我司 本司 厂 工厂 企业主 老板 负责人 员工 工作人员 一下 一点 非常 十分 特别
比较 真的 确实 实在 的确 严重 影响 导致 造成 存在 出现 发生 进行 开展 给予 得到 获得 予以 尽快 及时 早日
谢谢 感谢 您好 你好 无法 不能 不会 不要 没有 不是 一样 一起 继续 开始 结束 完成 情况下 时候 问一下 希望能
尽早 早点 能够 得 地 者 啊 哎 嗯 到 去 来 看 做 用 想 知道 觉得 认为 发现 遇到 碰到 是不是 有没有 能不能
嘅 咗 冇 唔 啲 佢 佢哋 我哋 你哋 嗰 嗰啲 咁 乜 乜嘢 嘢 喺 畀 俾 仲 先至 话 系 係 噉 咩 啦 嘞 喇 晒 咪 睇 攞 揾 几时
";

/// The stop word list as a set.
pub fn stop_words() -> &'static FxHashSet<&'static str> {
    static SET: OnceLock<FxHashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| STOP_WORDS.split_whitespace().collect())
}

/// Whether a word (of normalised text) can tell one problem from another: not a stop word, and holding a
/// letter or a Chinese character, or a whole number of two digits or more (punctuation and single digits
/// differ from one voice to the next; a bus line, a price or a year is shared by those who name it).
pub fn is_content_word(word: &str) -> bool {
    // A figure of two digits or more is an anchor (the 12 of 12路, 18 → 28 元); a single digit is noise.
    if word.len() >= 2 && word.chars().all(|c| c.is_ascii_digit()) {
        return true;
    }
    word.chars().any(char::is_alphabetic)
        && !word.chars().all(|c| c.is_ascii_digit() || c == '.')
        && !stop_words().contains(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_words_single_digits_and_punctuation_are_not_content() {
        for word in ["的", "企业", "反映", "3", "，", " ", "3.5", "嘅"] {
            assert!(!is_content_word(word), "{word}");
        }
        for word in ["土地使用税", "消防验收", "罚款", "路", "etc", "12", "2023"] {
            assert!(is_content_word(word), "{word}");
        }
    }
}
