use structnosql::TableDataModel;

fn length(text: String) -> usize {
    text.len()
}

fn shout(text: &str) -> String {
    text.to_uppercase()
}

#[derive(TableDataModel)]
struct Message {
    id: String,
    #[structnosql(read_transform = "length")]
    body: Option<String>,
    #[structnosql(write_transform = "shout")]
    title: String,
}

fn main() {}
