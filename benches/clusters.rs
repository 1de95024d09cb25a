//! Recurring-problem grouping at scale: generates synthetic complaints (recurring problems told in several
//! voices, plus one-off complaints), groups them with the default parameters and prints the time for each
//! size, so that the growth with n can be read off (it should be about n log n).
//!
//! `cargo bench --bench clusters` runs 100,000, 300,000 and 1,000,000 complaints; `-- 20000 50000` runs the
//! sizes given. Generation is not timed; segmentation (jieba) is, as part of grouping.

use complaint_triage::cluster::{ClusterParams, Complaint, cluster};
use std::time::Instant;

/// A fixed-seed xorshift: the same complaints on every run, without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const PLACES: [&str; 24] = [
    "经开区",
    "高新区",
    "临港园区",
    "城东工业园",
    "科技园",
    "保税区",
    "滨江新区",
    "城南片区",
    "北部新城",
    "航空港区",
    "化工园区",
    "物流园",
    "智造小镇",
    "创新港",
    "开发区",
    "西部园区",
    "综合保税区",
    "软件园",
    "食品产业园",
    "汽配产业园",
    "纺织园区",
    "电子信息园",
    "生物医药园",
    "新材料园",
];
const STREETS: [&str; 30] = [
    "长江路",
    "黄河路",
    "珠江路",
    "淮河路",
    "汉江路",
    "湘江路",
    "钱塘路",
    "松花江路",
    "嘉陵路",
    "闽江路",
    "人民路",
    "解放路",
    "建设路",
    "和平路",
    "胜利路",
    "友谊路",
    "团结路",
    "光明路",
    "幸福路",
    "朝阳路",
    "创业路",
    "创新路",
    "科技路",
    "工业路",
    "发展路",
    "振兴路",
    "兴业路",
    "富民路",
    "新华路",
    "中山路",
];
/// Problems with a slot for a place and a street.
const PROBLEMS: [&str; 20] = [
    "{p}{s}路面塌陷，大货车无法通行",
    "{p}{s}路灯长期不亮，夜班员工回家不安全",
    "{p}{s}排水管网堵塞，一下雨厂区就积水",
    "{p}污水处理费上涨一倍，印染企业负担加重",
    "{p}频繁停电且不提前通知，生产线设备受损",
    "{p}{s}公交线路取消，员工通勤困难",
    "{p}新厂房消防验收排期太长，项目无法投产",
    "{p}消防检查罚款过重，首次违规不给整改机会",
    "{p}城镇土地使用税困难减免申请被拒",
    "{p}出租厂房被要求补缴房产税和滞纳金",
    "{p}招商引资承诺的设备补贴迟迟不兑现",
    "{p}人才公寓只认学历不认技能，技工无法申请",
    "{p}危废处置排队太久，危险废物超期贮存",
    "{p}天然气价格上调，陶瓷企业成本大增",
    "{p}{s}断头路多年未打通，物流车辆绕行",
    "{p}工业用地规划调整，土地证多年办不下来",
    "{p}厂房竣工验收后房产证迟迟办不出",
    "{p}员工子女入学积分不够，被分到很远的学校",
    "{p}环评审批时间长，新项目迟迟不能开工",
    "{p}宽带网络覆盖差，企业只能拉专线费用很高",
];
const VOICES: [&str; 6] = [
    "来电人反映：{x}，诉求：请相关部门尽快解决。",
    "我公司位于该区域，{x}，恳请政府协调处理。",
    "{x}，到底有没有人管？",
    "走访企业时负责人提出，{x}，希望尽快推动解决。",
    "座谈会上多家企业反映{x}，影响正常生产经营。",
    "企业来信称{x}，已多次反映未果。",
];
const FILLERS: [&str; 24] = [
    "订单下滑",
    "用工成本上涨",
    "资金周转紧张",
    "原材料涨价",
    "汇率波动",
    "招工困难",
    "市场竞争激烈",
    "贷款到期续贷慢",
    "产品出口受阻",
    "设备更新需要资金",
    "员工流失严重",
    "利润越来越薄",
    "物流成本高",
    "客户回款慢",
    "研发投入大",
    "厂房租金上涨",
    "技术人员短缺",
    "订单季节性波动",
    "运费上涨",
    "仓储不够用",
    "产能利用率低",
    "环保投入增加",
    "管理人员不足",
    "同行压价",
];

/// Clauses of the team's corpus, to make one-off complaints from.
fn corpus_clauses() -> Vec<String> {
    let corpus = include_str!("../corpora/complaints.csv");
    let mut reader = csv::Reader::from_reader(corpus.as_bytes());
    let mut clauses = Vec::new();
    for record in reader.records().filter_map(Result::ok) {
        let text = record.get(1).unwrap_or_default();
        clauses.extend(
            text.split(['，', '。', '；', '！', '？', ','])
                .filter(|c| c.chars().count() >= 6)
                .map(str::to_string),
        );
    }
    clauses
}

/// `n` complaints: half tell one of a few thousand concrete problems (20 kinds × 24 places × 30 streets, so
/// each recurs many times in several voices), half are one-off complaints: three clauses of different
/// complaints of the team's corpus and a number.
fn generate(n: usize) -> Vec<Complaint> {
    let clauses = corpus_clauses();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    (0..n)
        .map(|i| {
            let text = if i % 2 == 0 {
                let problem = rng
                    .pick(&PROBLEMS)
                    .replace("{p}", rng.pick(&PLACES))
                    .replace("{s}", rng.pick(&STREETS));
                let mut text = rng.pick(&VOICES).replace("{x}", &problem);
                if rng.below(3) == 0 {
                    text.push_str(&format!("另外{}。", rng.pick(&FILLERS)));
                }
                text
            } else {
                format!(
                    "{}，{}，{}，涉及金额{}元。",
                    clauses[rng.below(clauses.len())],
                    clauses[rng.below(clauses.len())],
                    clauses[rng.below(clauses.len())],
                    rng.below(1_000_000)
                )
            };
            Complaint {
                id: format!("B{i:07}"),
                text,
                enterprise: Some(format!("企业{}", rng.below(50_000))),
                ..Default::default()
            }
        })
        .collect()
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.replace('_', "").parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![100_000, 300_000, 1_000_000]
    } else {
        sizes
    };
    let params = ClusterParams::default();
    // Builds jieba and the background counts once, outside the timings.
    cluster(&generate(100), &params);
    println!(
        "{:>10} {:>9} {:>12} {:>10} {:>14}",
        "complaints", "seconds", "complaints/s", "groups", "largest group"
    );
    for n in sizes {
        let complaints = generate(n);
        let started = Instant::now();
        let clustering = cluster(&complaints, &params);
        let seconds = started.elapsed().as_secs_f64();
        let groups = clustering
            .clusters
            .iter()
            .filter(|c| c.members.len() > 1)
            .count();
        let largest = clustering.clusters.first().map_or(0, |c| c.members.len());
        println!(
            "{n:>10} {seconds:>9.1} {:>12.0} {groups:>10} {largest:>14}",
            n as f64 / seconds
        );
    }
}
