//! Directed graphs of modules: their cycles, and their nodes in layers.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Each node and the nodes it points to (targets need not be keys).
pub(crate) type Graph = BTreeMap<String, BTreeSet<String>>;

/// A cycle, and the strongly connected component it is in: every node on some cycle
/// through it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Cycle {
    /// The nodes along a shortest cycle through the component's smallest node, from it.
    pub(crate) path: Vec<String>,
    /// The component's nodes, sorted.
    pub(crate) component: Vec<String>,
}

/// One cycle per strongly connected component that has one (a self-edge counts);
/// sorted.
pub(crate) fn cycles(graph: &Graph) -> Vec<Cycle> {
    let mut search = Tarjan {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        components: Vec::new(),
    };
    for node in graph.keys() {
        if !search.index.contains_key(node.as_str()) {
            search.visit(node);
        }
    }
    let mut cycles: Vec<Cycle> = search
        .components
        .iter()
        .filter_map(|component| {
            Some(Cycle {
                path: cycle_in(graph, component)?,
                component: component.iter().map(|&n| n.to_owned()).collect(),
            })
        })
        .collect();
    cycles.sort();
    cycles
}

/// The nodes, each after every node it points to: by height (0 for a node that points
/// to none, else one more than its highest target), then by name. `Err` with the cycles
/// when there are some.
pub(crate) fn layered(graph: &Graph) -> Result<Vec<String>, Vec<Cycle>> {
    let cycles = cycles(graph);
    if !cycles.is_empty() {
        return Err(cycles);
    }
    let mut heights = BTreeMap::new();
    for node in graph.keys() {
        height(graph, node, &mut heights);
    }
    let mut order: Vec<(usize, &str)> = heights.into_iter().map(|(n, h)| (h, n)).collect();
    order.sort();
    Ok(order.into_iter().map(|(_, n)| n.to_owned()).collect())
}

fn targets<'a>(graph: &'a Graph, node: &str) -> impl Iterator<Item = &'a str> {
    graph.get(node).into_iter().flatten().map(String::as_str)
}

/// The height of `node` in an acyclic `graph`, memoized in `heights`.
fn height<'a>(graph: &'a Graph, node: &'a str, heights: &mut BTreeMap<&'a str, usize>) -> usize {
    if let Some(&h) = heights.get(node) {
        return h;
    }
    let h = targets(graph, node)
        .map(|target| height(graph, target, heights) + 1)
        .max()
        .unwrap_or(0);
    heights.insert(node, h);
    h
}

/// A shortest cycle through the smallest node of a strongly connected `component`, if
/// it has one.
fn cycle_in(graph: &Graph, component: &BTreeSet<&str>) -> Option<Vec<String>> {
    let start = *component.first()?;
    let mut parent: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        for target in targets(graph, node) {
            if target == start {
                let mut cycle = vec![node.to_owned()];
                let mut at = node;
                while let Some(&up) = parent.get(at) {
                    cycle.push(up.to_owned());
                    at = up;
                }
                cycle.reverse();
                return Some(cycle);
            }
            if component.contains(target) && !parent.contains_key(target) {
                parent.insert(target, node);
                queue.push_back(target);
            }
        }
    }
    None
}

/// Tarjan's strongly connected components.
struct Tarjan<'a> {
    graph: &'a Graph,
    index: BTreeMap<&'a str, usize>,
    low: BTreeMap<&'a str, usize>,
    stack: Vec<&'a str>,
    components: Vec<BTreeSet<&'a str>>,
}

impl<'a> Tarjan<'a> {
    fn visit(&mut self, node: &'a str) {
        let index = self.index.len();
        self.index.insert(node, index);
        self.low.insert(node, index);
        self.stack.push(node);
        for target in targets(self.graph, node) {
            let reach = if !self.index.contains_key(target) {
                self.visit(target);
                self.low[target]
            } else if self.stack.contains(&target) {
                self.index[target]
            } else {
                continue;
            };
            let low = self.low[node].min(reach);
            self.low.insert(node, low);
        }
        if self.low[node] == index {
            let at = self.stack.iter().rposition(|&n| n == node).unwrap_or(0);
            self.components.push(self.stack.drain(at..).collect());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(edges: &[(&str, &[&str])]) -> Graph {
        edges
            .iter()
            .map(|(from, to)| (from.to_string(), to.iter().map(|t| t.to_string()).collect()))
            .collect()
    }

    #[test]
    fn acyclic_graphs_come_out_lowest_first() {
        let g = graph(&[
            ("app", &["ws", "error", "body"]),
            ("ws", &["body"]),
            ("body", &["error"]),
            ("error", &[]),
            ("log", &[]),
        ]);
        assert!(cycles(&g).is_empty());
        assert_eq!(layered(&g).unwrap(), ["error", "log", "body", "ws", "app"]);
    }

    #[test]
    fn cycles_are_found_one_per_component() {
        let g = graph(&[
            ("app", &["serve", "ws"]),
            ("serve", &["route"]),
            ("route", &["ws"]),
            ("ws", &["serve", "error"]),
            ("error", &["error"]),
            ("body", &["error"]),
        ]);
        let paths: Vec<Vec<String>> = cycles(&g).into_iter().map(|c| c.path).collect();
        assert_eq!(paths, [vec!["error"], vec!["route", "ws", "serve"]]);
        assert_eq!(layered(&g).unwrap_err(), cycles(&g));
    }

    #[test]
    fn the_shortest_cycle_stands_for_its_component() {
        let g = graph(&[
            ("a", &["b"]),
            ("b", &["a", "c"]),
            ("c", &["d"]),
            ("d", &["a"]),
            ("e", &["a"]),
        ]);
        let cycle = Cycle {
            path: vec!["a".into(), "b".into()],
            component: ["a", "b", "c", "d"].map(String::from).to_vec(),
        };
        assert_eq!(cycles(&g), [cycle]);
    }
}
